#pragma once
// The three roles an SMTP listener plays. One type for the session (what it offers and
// requires) and for the relay policy (who may send what): the role decides both.
namespace relaylab {

// mx: port 25, mail for our domains, no AUTH. submission: port 587 (RFC 6409), STARTTLS
// then AUTH required. submissions: port 465 (RFC 8314), TLS from the first byte, AUTH required.
enum class Role { mx, submission, submissions };
const char* role_name(Role role);

}  // namespace relaylab
