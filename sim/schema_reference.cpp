#include "sim/schema_reference.hpp"

namespace relaylab::sim {

namespace {
constexpr SchemaKey k_keys[] = {
    {"", "name", R"~("my-world")~", "required; the world's short name"},
    {"", "title", R"~("My world")~", "one line shown in the page"},
    {"", "description", R"~("What happens and why.")~", "its first sentence is the lesson line"},
    {"", "seed", "1", "the same seed gives the same run"},
    {"", "latency_ms", "20", "one-way network latency"},
    {"", "end_ms", "604800000", "stop the clock here at the latest"},
    {"", "hosts", "[]", "required; the machines (below)"},
    {"", "dns", "[]", "the DNS records (below)"},
    {"", "messages", "[]", "required; what is sent, when (below)"},
    {"", "switches", "[]", "failures the page can switch on (below)"},
    {"", "notes", "[]", "teacher's notes per phase (below)"},
    {"", "expect", "[]", "the expected outcome per message (below)"},

    {"hosts[]", "name", R"~("mx1.dest.test")~", "required; also its SMTP hostname"},
    {"hosts[]", "kind", R"~("capture")~",
     "required: client (sends), relay (submission server + MTA), mx (final destination), capture "
     "(fake SMTP server: accepts everything, delivers nothing, keeps an inbox)"},
    {"hosts[]", "ip", R"~("198.51.100.10")~", "its IPv4 address"},
    {"hosts[]", "ipv6", R"~("2001:db8::25")~", "its IPv6 address (reachable over IPv6)"},
    {"hosts[]", "label", R"~("Bob's mail server (MX)")~", "the role shown in the topology"},
    {"hosts[]", "local_domains", R"~(["dest.test"])~", "mail for these domains is delivered here"},
    {"hosts[]", "users", "[]", "mailboxes and logins (below)"},
    {"hosts[]", "routes", "[]", "send a domain via a host, without MX lookup (below)"},
    {"hosts[]", "trusted_networks", R"~(["192.0.2.0/24"])~", "CIDR blocks allowed to relay without AUTH"},
    {"hosts[]", "tls_required_domains", R"~(["dest.test"])~", "TLS policy: never send to these in clear text"},
    {"hosts[]", "max_message_size", "10485760", "size policy: SIZE offered in EHLO, in octets"},
    {"hosts[]", "max_hops", "50", "Received: lines allowed before 554 5.4.6 (mail loop)"},
    {"hosts[]", "queue_lifetime_ms", "432000000", "give up and bounce after this long"},
    {"hosts[]", "without_extensions", R"~(["8BITMIME"])~", "an older server: 8BITMIME, SMTPUTF8, DSN, PIPELINING, CHUNKING"},
    {"hosts[].users[]", "address", R"~("bob@dest.test")~", "required; a mailbox of this host"},
    {"hosts[].users[]", "password", R"~("secret")~", "lets the user log in (AUTH)"},
    {"hosts[].routes[]", "domain", R"~("dest.test")~", "required"},
    {"hosts[].routes[]", "via", R"~("mx1.dest.test")~", "required; a host name"},

    {"dns[]", "name", R"~("dest.test")~", "required; the owner name"},
    {"dns[]", "type", R"~("MX")~", "required: MX, A, AAAA or TXT"},
    {"dns[]", "value", R"~("mx1.dest.test")~",
     "required: MX exchange (\".\" is a null MX: no mail, RFC 7505), IPv4 (A), IPv6 (AAAA) or text (TXT)"},
    {"dns[]", "preference", "10", "MX preference: lower is tried first"},

    {"messages[]", "id", R"~("m1")~", "required"},
    {"messages[]", "at_ms", "0", "when it is sent"},
    {"messages[]", "client", R"~("alice-laptop")~", "required; the sending host"},
    {"messages[]", "server", R"~("relay.lab.test")~", "required; the host it connects to"},
    {"messages[]", "port", "25", "25 (MX), 587 (submission, STARTTLS) or 465 (implicit TLS)"},
    {"messages[]", "starttls", "true", "ask for STARTTLS"},
    {"messages[]", "auth", R"~({"user": "alice@lab.test", "password": "wonderland"})~", "log in with AUTH"},
    {"messages[]", "from", R"~("alice@lab.test")~", "required; \"\" is the null sender <> (a bounce)"},
    {"messages[]", "to", R"~(["bob@dest.test"])~", "required; the recipients"},
    {"messages[]", "subject", R"~("Hello")~", ""},
    {"messages[]", "body", R"~("Hello!\r\n")~", ""},
    {"messages[]", "html", R"~("<p>Hello!</p>")~", "an HTML alternative to the body (multipart/alternative)"},
    {"messages[]", "pad_to", "30000", "pad the body to about this many octets"},
    {"messages[]", "body_8bitmime", "true", "declare BODY=8BITMIME"},
    {"messages[]", "bdat", "true", "send with BDAT when CHUNKING is offered"},
    {"messages[]", "notify", R"~("SUCCESS,FAILURE")~", "DSN NOTIFY for every recipient"},
    {"messages[]", "script", R"~(["EHLO me\r\n", "QUIT\r\n"])~", "a raw client: one chunk after each reply"},
    {"messages[].auth", "user", R"~("alice@lab.test")~", "required"},
    {"messages[].auth", "password", R"~("wonderland")~", "required"},

    {"switches[]", "name", R"~("mx-down")~", "required; used in links"},
    {"switches[]", "label", R"~("The MX refuses connections")~", "required"},
    {"switches[]", "on", "false", "on when loaded"},
    {"switches[]", "effects", "[]", "required (below)"},
    {"switches[].effects[]", "type", R"~("greylisting")~",
     "required: host_down, host_silent, dns, greylisting, mailbox_full, rate_limit, size_limit, tls, "
     "tls_required, wrong_password, skip_starttls, skip_auth"},
    {"switches[].effects[]", "host", R"~("mx1.dest.test")~", "host effects"},
    {"switches[].effects[]", "name", R"~("dest.test")~", "dns: the name that fails"},
    {"switches[].effects[]", "result", R"~("nxdomain")~", "dns: nxdomain, servfail, timeout; tls: untrusted, handshake_failure"},
    {"switches[].effects[]", "domain", R"~("dest.test")~", "tls_required: the domain"},
    {"switches[].effects[]", "message", R"~("m1")~", "message effects: the message id"},
    {"switches[].effects[]", "until_ms", "600000", "dns: fails until then"},
    {"switches[].effects[]", "bytes", "1000", "size_limit: the new SIZE"},

    {"notes[]", "phase", R"~("outcome")~",
     "required: intro, submission, auth, tls, dns, relay, delivery, queue, bounce, outcome (the last step)"},
    {"notes[]", "text", R"~("What happens here.")~", "required"},
    {"notes[]", "rfc", R"~("RFC 5321 §4.5.5")~", ""},

    {"expect[]", "id", R"~("m1")~", "required; a message id"},
    {"expect[]", "status", R"~("captured")~", "required: delivered, relayed, deferred, bounced, rejected, captured"},
    {"expect[]", "code", "250", "the deciding reply code"},
    {"expect[]", "enhanced", R"~("2.0.0")~", "its enhanced status code"},
    {"expect[]", "final_host", R"~("mx1.dest.test")~", "the host that decided"},
    {"expect[]", "min_deferrals", "1", ""},
    {"expect[]", "mailbox", R"~("bob@dest.test")~", "count the messages in this mailbox..."},
    {"expect[]", "mailbox_messages", "1", "...at the end"},
};
}  // namespace

std::span<const SchemaKey> schema_reference() { return k_keys; }

}  // namespace relaylab::sim
