#pragma once
// The server's side of an SMTP AUTH exchange (RFC 4954 §4): the SASL steps of PLAIN
// (RFC 4616) and LOGIN (draft-murchison-sasl-login), from the AUTH command to credentials.
// It only decodes and sequences; whether the credentials are good is the host's decision.
//
//   SaslExchange x;
//   SaslStep s = x.start(mechanism, initial_response);   // AUTH PLAIN [ir] / AUTH LOGIN [ir]
//   while (s.kind == SaslStep::Kind::challenge) { send "334 " + s.challenge; s = x.respond(line); }
//   s.kind == SaslStep::Kind::done  -> s.mechanism, s.authzid, s.username, s.password
//   s.kind == SaslStep::Kind::error -> send s.code s.enhanced s.text (the exchange is over)
//
// Choices where the RFCs leave room:
//  - "*" cancels (RFC 4954 §4): "501 5.0.0"; undecodable base64 and a malformed PLAIN
//    message are "501 5.5.2"; an unknown mechanism is "504 5.5.4".
//  - PLAIN with an authorization identity other than the login (RFC 4616 §2) is refused
//    "535 5.7.8" before any password check: nobody may act as another user here.
//  - An initial response "=" is an empty response (RFC 4954 §4); parse_auth_args gives "".
// Security notes: credentials are never traced (the session traces "<credentials hidden>");
// each decoded part is bounded by the line length the session allows (RFC 4954 §4: 12288).
#include <optional>
#include <string>
#include <string_view>

namespace relaylab {

struct SaslStep {
    enum class Kind : unsigned char { challenge, done, error } kind = Kind::error;
    std::string_view challenge;  // challenge: the base64 text after "334 " (may be empty)
    std::string mechanism, authzid, username, password;  // done
    int code = 0;                                         // error: the reply
    std::string_view enhanced, text;
};

class SaslExchange {
public:
    // AUTH <mechanism> [initial-response]; mechanism already upper-cased.
    SaslStep start(std::string_view mechanism, const std::optional<std::string>& initial_response);
    // A response line while a challenge is outstanding.
    SaslStep respond(std::string_view line);
    // Abandon the exchange (a too-long response line, STARTTLS, end of session).
    void cancel();
    bool active() const { return step_ != Step::none; }

private:
    enum class Step : unsigned char { none, plain, login_user, login_password };
    SaslStep plain(std::string_view decoded);
    SaslStep fail(int code, std::string_view enhanced, std::string_view text);
    SaslStep ask(Step next, std::string_view challenge);

    Step step_ = Step::none;
    std::string user_;  // LOGIN: the user name, until the password arrives
};

}  // namespace relaylab
