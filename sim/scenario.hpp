#pragma once
// A scenario: the small mail world the simulator runs, read from JSON
// (assets/scenarios/*.json). Plain data; the World gives it life.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace relaylab::sim {

struct UserSpec {
    std::string address;
    std::string password;  // empty: the user can receive but not log in
};

enum class HostKind { client, relay, mx };

// Outbound route for a domain that bypasses MX lookup (Postfix "transport").
struct RouteSpec {
    std::string domain;
    std::string via;  // host name
};

enum class TlsOutcome { ok, untrusted, handshake_failure };

struct HostSpec {
    std::string name;
    HostKind kind = HostKind::mx;
    std::string ip;
    std::string label;  // short role shown in the UI, e.g. "submission server + relay"
    std::vector<std::string> local_domains;
    std::vector<UserSpec> users;
    std::vector<RouteSpec> routes;
    std::vector<std::string> trusted_networks;
    std::uint64_t max_message_size = 26214400;
    std::size_t max_hops = 50;
    // Outbound TLS policy per destination domain: "required" (default opportunistic).
    std::vector<std::string> tls_required_domains;
    std::int64_t queue_lifetime_ms = 5LL * 24 * 3600 * 1000;
    // ESMTP extensions this host does not offer ("8BITMIME", "SMTPUTF8", "DSN", "PIPELINING",
    // "CHUNKING"): an older server, to show what a relay does without them.
    std::vector<std::string> without_extensions;
    // The host's IPv6 address, if it has one ("2001:db8::25"): it can then reach and be
    // reached over IPv6 (an AAAA record names it). A host without one has no IPv6 route.
    std::string ipv6;
};

enum class DnsType { mx, a, aaaa, txt };
struct DnsRecordSpec {
    std::string name;
    DnsType type = DnsType::a;
    std::uint16_t preference = 0;
    std::string value;  // MX exchange ("." for null MX), IPv4 (A) or IPv6 (AAAA) address, or TXT text
};

// A failure that can be switched on and off at run time.
enum class EffectType {
    host_down,      // connections refused
    host_silent,    // connections time out
    dns,            // a name answers NXDOMAIN / SERVFAIL / timeout (optionally until a time)
    greylisting,    // 451 4.7.1 at RCPT for a sender/recipient/client seen for the first time
    mailbox_full,   // 452 4.2.2 at RCPT
    rate_limit,     // 421 4.7.0 greeting on the first connection from a client
    size_limit,     // the host's SIZE becomes `bytes`
    tls,            // the host's TLS handshake fails / certificate untrusted
    tls_required,   // the relay requires TLS for a domain
    wrong_password, // a message's client uses the wrong password
    skip_starttls,  // a message's client does not issue STARTTLS
    skip_auth,      // a message's client does not authenticate
};
const char* effect_type_name(EffectType type);

struct EffectSpec {
    EffectType type = EffectType::host_down;
    std::string host;      // host effects
    std::string name;      // dns: the queried name
    std::string result;    // dns: "nxdomain" | "servfail" | "timeout"; tls: "untrusted" | "handshake_failure"
    std::string domain;    // tls_required
    std::string message;   // message effects: the message id
    std::int64_t until_ms = -1;  // dns: failure lasts until this virtual time (-1: for ever)
    std::uint64_t bytes = 0;     // size_limit
};

struct SwitchSpec {
    std::string name;   // "mx-down"
    std::string label;  // "The preferred MX refuses connections"
    bool on = false;    // as the scenario is loaded
    std::vector<EffectSpec> effects;
};

struct MessageSpec {
    std::string id;
    std::int64_t at_ms = 0;
    std::string client;    // sending host
    std::string server;    // host it connects to
    int port = 587;        // 25 (mx role), 587 (submission + STARTTLS), 465 (implicit TLS)
    bool starttls = true;  // the client asks for STARTTLS (opportunistic)
    std::optional<UserSpec> auth;
    std::string from;
    std::vector<std::string> to;
    std::string subject = "Hello";
    std::string body = "Hello!";
    // An HTML alternative: the message becomes multipart/alternative (RFC 2046 §5.1.4), the
    // body its text/plain part and this its text/html part (the page's Inbox renders it).
    std::string html;
    std::size_t pad_to = 0;  // pad the body to about this many bytes
    bool body_8bitmime = false;  // declare BODY=8BITMIME (RFC 6152)
    std::string notify;          // NOTIFY for every recipient, e.g. "SUCCESS,FAILURE" (RFC 3461 §4.1)
    // A scripted client instead of the engine's well-behaved one: each chunk is sent as it
    // is, one after each complete reply (the first after the greeting). For misbehaving
    // clients and attacks such as SMTP smuggling.
    std::vector<std::string> script;
};

struct NoteSpec {
    // A topic_name (sim/step.hpp): the note shows on steps of that Topic. "outcome": shown at
    // the last step, saying what happened and why.
    std::string phase;
    std::string text;
    std::string rfc;
};

struct ExpectSpec {
    std::string id;
    std::string status;   // delivered | bounced | deferred | rejected
    int code = 0;
    std::string enhanced;
    std::string final_host;
    int min_deferrals = 0;
    std::optional<std::size_t> mailbox_messages;  // messages in `mailbox` at the end
    std::string mailbox;
};

struct Scenario {
    std::string name;
    std::string title;
    std::string description;
    std::uint64_t seed = 1;
    std::int64_t end_ms = 7LL * 24 * 3600 * 1000;  // simulation stops here at the latest
    std::int64_t latency_ms = 20;
    std::vector<HostSpec> hosts;
    std::vector<DnsRecordSpec> dns;
    std::vector<MessageSpec> messages;
    std::vector<SwitchSpec> switches;
    std::vector<NoteSpec> notes;
    std::vector<ExpectSpec> expect;

    const HostSpec* host(std::string_view name) const;
};

struct ScenarioLoad {
    std::optional<Scenario> scenario;
    std::string error;  // "scenario: hosts[2].kind: unknown kind \"mxx\"" when it fails
};
// Parses a scenario from JSON text; never throws.
ScenarioLoad parse_scenario(std::string_view json_text);

}  // namespace relaylab::sim
