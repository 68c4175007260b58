// The facts of a trace (rebuild_observe.cpp) written as a scenario: which host is a client,
// a relay or a destination, the DNS zone, the users, the messages, and the behaviours the
// replies show, each as a failure switch that is on (so the learner can turn it off and
// re-run). What the world cannot express becomes a note.
#include "sim/rebuild_world.hpp"

#include <algorithm>
#include <set>

#include "engine/ascii.hpp"
#include "engine/base64.hpp"
#include "engine/dsn_params.hpp"
#include "sim/rebuild_observe.hpp"

namespace relaylab::sim {

using rebuild::Observation;
using rebuild::SeenDns;
using rebuild::SeenHost;
using rebuild::SeenSession;

namespace {
// "c" + 3 → "c3" (written out: GCC 12 warns wrongly about operator+ on a literal, -Wrestrict).
std::string numbered(char prefix, long long n) {
    std::string out(1, prefix);
    out += std::to_string(n);
    return out;
}
}  // namespace

ObservedEvent observed_event(const StepRecord& r) {
    ObservedEvent o;
    o.event = r.step.event;
    if (r.at_ms) o.event.t_ms = *r.at_ms;
    o.session = !r.session.empty() ? r.session : r.step.connection >= 0 ? numbered('c', r.step.connection) : "";
    o.role = r.role;
    o.message = !r.step.message.empty() ? r.step.message : r.queue_id;
    return o;
}

namespace {

constexpr const char* k_password = "placeholder-password";
constexpr std::int64_t k_hour_ms = 3'600'000;
const char* const k_optional_extensions[] = {"8BITMIME", "SMTPUTF8", "DSN", "PIPELINING", "CHUNKING"};

class Writer {
public:
    explicit Writer(const Observation& o) : o_(o) {}

    Json scenario(std::string_view name) {
        Json doc;
        doc["name"] = std::string(name);
        doc["title"] = "Rebuilt from what was observed";
        doc["description"] =
            "A world rebuilt from a real trace: the hosts, DNS answers and replies that were observed. "
            "The re-run is the engine's, not a recording: where the world had to guess, the notes say so.";
        doc["seed"] = 1;
        assign_addresses();
        Json hosts = Json::array();
        for (const auto& h : o_.hosts)
            if (used(h)) hosts.push_back(host(h));
        doc["hosts"] = std::move(hosts);
        doc["dns"] = dns();
        doc["messages"] = messages();
        doc["switches"] = switches();
        Json notes = Json::array();
        notes.push_back(Json{{"phase", "intro"},
                             {"text", "Rebuilt from what was observed: the engine re-runs this world; it is not a "
                                      "recording, so names, timings and anything not observed may differ."}});
        doc["notes"] = std::move(notes);
        return doc;
    }

    std::vector<std::string> notes;

private:
    static bool used(const SeenHost& h) { return h.client_side || h.server_side || h.queues; }

    // A host that only ever connected out and never served or queued: a mail client.
    bool is_client(const SeenHost& h) const { return h.client_side && !h.server_side && !h.queues; }
    bool is_relay(const SeenHost& h) const {
        if (is_client(h)) return false;
        if (h.client_side || h.queues) {
            // It queued mail and handed it on, or opened sessions of its own.
            return true;
        }
        return h.ports.count(587) || h.ports.count(465);
    }

    // Addresses: the DNS answers name them; the others (clients, mostly) get one from
    // TEST-NET-1 (RFC 5737), never one already taken.
    void assign_addresses() {
        std::set<std::string> taken;
        for (const auto& d : o_.dns)
            for (const auto& a : d.addresses) taken.insert(a);
        int next = 10;
        bool placeholder = false;
        for (const auto& h : o_.hosts) {
            std::string v4, v6;
            for (const auto& d : o_.dns) {
                if (d.name != ascii_lowercase(h.name) || d.addresses.empty()) continue;
                if (d.type == "A" && v4.empty()) v4 = d.addresses.front();
                if (d.type == "AAAA" && v6.empty()) v6 = d.addresses.front();
            }
            if (v4.empty() && used(h)) {
                while (taken.count("192.0.2." + std::to_string(next))) ++next;
                v4 = "192.0.2." + std::to_string(next++);
                taken.insert(v4);
                placeholder = true;
            }
            ipv4_[h.name] = v4;
            ipv6_[h.name] = v6;
        }
        if (placeholder)
            notes.push_back("Hosts whose address was not seen in a DNS answer got one from 192.0.2.0/24 "
                            "(RFC 5737, for documentation).");
    }

    // The origin sessions: a client's own, carrying the messages the world starts with.
    std::vector<const SeenSession*> origin_sessions() const {
        std::vector<const SeenSession*> out;
        for (const auto& s : o_.sessions)
            if (const SeenHost* c = o_.find(s.client); c && is_client(*c)) out.push_back(&s);
        return out;
    }

    // The login of an AUTH seen: the credentials are never in the trace (RFC 4954 §4), so the
    // sender's address stands in for the user name, with a placeholder password.
    static std::string login_of(const SeenSession& s) {
        for (const auto& t : s.transactions)
            if (!t.from.null && !t.from.mailbox.local_part.empty()) return t.from.mailbox.to_string();
        return "user@" + s.server;
    }

    Json host(const SeenHost& h) {
        Json j;
        j["name"] = h.name;
        const bool client = is_client(h), relay = is_relay(h);
        j["kind"] = client ? "client" : relay ? "relay" : "mx";
        j["ip"] = ipv4_[h.name];
        if (!ipv6_[h.name].empty()) j["ipv6"] = ipv6_[h.name];
        j["label"] = client ? "client (observed)" : relay ? "relay (observed)" : "mail server (observed)";
        if (client) return j;
        if (h.captures) {
            // It kept what it took and sent nothing on (outcome `captured`): a capture host,
            // which accepts every recipient and any login by itself.
            j["kind"] = "capture";
            j["label"] = "capture server (observed)";
            notes.push_back(h.name + " captured mail (sent nothing on): rebuilt as a capture host, which accepts "
                                     "every recipient.");
            return j;
        }
        std::vector<std::string> domains = h.local_domains;
        std::vector<std::string> users = h.users;
        // A destination that accepted a recipient and handed nothing on delivers it itself.
        if (!relay)
            for (const auto& s : o_.sessions)
                if (s.server == h.name)
                    for (const auto& t : s.transactions)
                        for (const auto& r : t.rcpts)
                            // Accepted, or refused for now for this mailbox (full, greylisted):
                            // a destination answers so only for its own domains.
                            if (r.code / 100 == 2 || r.enhanced == "4.2.2" || r.enhanced == "4.7.1") {
                                rebuild::add_unique(domains, ascii_lowercase(r.path.mailbox.domain));
                                rebuild::add_unique(users, ascii_lowercase(r.path.mailbox.to_string()));
                            }
        // A destination never given a recipient: its domains are those the MX answers name it
        // for, its users the messages' recipients there (the likeliest world; a note says so).
        if (!relay && domains.empty()) {
            for (const auto& d : domains_served_by(h.name)) rebuild::add_unique(domains, d);
            for (const auto& s : o_.sessions)
                for (const auto& t : s.transactions)
                    for (const auto& r : t.rcpts)
                        if (std::find(domains.begin(), domains.end(), ascii_lowercase(r.path.mailbox.domain)) !=
                            domains.end())
                            rebuild::add_unique(users, ascii_lowercase(r.path.mailbox.to_string()));
            if (!users.empty())
                notes.push_back(h.name + " was never given a recipient: its users are taken to be the message's "
                                         "recipients in the domains it serves.");
        }
        Json user_list = Json::array();
        std::set<std::string> with_password;
        for (const auto& s : o_.sessions)
            if (s.server == h.name && s.auth) with_password.insert(ascii_lowercase(login_of(s)));
        for (const auto& u : users) {
            Json ju{{"address", u}};
            if (with_password.count(u)) ju["password"] = k_password;
            user_list.push_back(std::move(ju));
        }
        for (const auto& u : with_password)
            if (std::find(users.begin(), users.end(), u) == users.end())
                user_list.push_back(Json{{"address", u}, {"password", k_password}});
        if (!domains.empty()) j["local_domains"] = domains;
        if (!user_list.empty()) j["users"] = std::move(user_list);
        if (!h.unknown_users.empty())
            notes.push_back(h.name + " refused unknown recipients (550 5.1.1): they are left out of its users.");
        // Unauthenticated relaying that worked: the client must be trusted (a network of its own).
        std::vector<std::string> trusted;
        for (const auto& s : o_.sessions) {
            if (s.server != h.name || s.auth_code == 235) continue;
            for (const auto& t : s.transactions)
                for (const auto& r : t.rcpts) {
                    const std::string domain = ascii_lowercase(r.path.mailbox.domain);
                    if (r.code / 100 == 2 && std::find(domains.begin(), domains.end(), domain) == domains.end() &&
                        s.port == 25)
                        rebuild::add_unique(trusted, ipv4_[s.client] + "/32");
                }
        }
        if (!trusted.empty()) {
            j["trusted_networks"] = trusted;
            notes.push_back(h.name + " relayed for a client without AUTH: that client's address is in its "
                                     "trusted_networks.");
        }
        if (h.ehlo_seen) {
            Json without = Json::array();
            for (const char* ext : k_optional_extensions)
                if (!h.extensions.count(ext)) without.push_back(ext);
            if (!without.empty()) j["without_extensions"] = std::move(without);
            // Under implicit TLS (465) no server offers STARTTLS (RFC 8314 §3.3).
            if (!h.extensions.count("STARTTLS") && !(h.ports.size() == 1 && h.ports.count(465)))
                notes.push_back(h.name + " did not offer STARTTLS; the world's servers always offer it.");
        }
        if (h.size) j["max_message_size"] = *h.size;
        if (h.max_hops) j["max_hops"] = *h.max_hops;
        if (relay) relay_policy(h, j);
        return j;
    }

    // Queue lifetime and TLS policy, from what the relay did.
    void relay_policy(const SeenHost& h, Json& j) {
        for (const auto& [message, bounced] : h.bounced_ms) {
            auto queued = h.queued_ms.find(message);
            auto deferred = h.deferrals.find(message);
            if (queued == h.queued_ms.end() || deferred == h.deferrals.end() || deferred->second == 0) continue;
            // Retried, then gave up: the queue lifetime ran out (RFC 5321 §4.5.4.1). Taken as
            // the time it took, rounded up to the hour.
            const std::int64_t spent = bounced - queued->second;
            const std::int64_t lifetime = std::max<std::int64_t>(1, (spent + k_hour_ms - 1) / k_hour_ms) * k_hour_ms;
            j["queue_lifetime_ms"] = lifetime;
            notes.push_back(h.name + " retried, then bounced: its queue lifetime is taken as " +
                            std::to_string(lifetime / k_hour_ms) + " h (the time it took, rounded up).");
            break;
        }
        // Mail handed to a host without asking DNS for the domain's MX: a static route.
        Json routes = Json::array();
        std::set<std::string> routed;
        for (const auto& s : o_.sessions) {
            if (s.client != h.name) continue;
            for (const auto& t : s.transactions)
                for (const auto& r : t.rcpts) {
                    const std::string domain = ascii_lowercase(r.path.mailbox.domain);
                    bool asked = false;
                    for (const auto& d : o_.dns) asked = asked || (d.type == "MX" && d.name == domain);
                    if (asked || !routed.insert(domain).second) continue;
                    routes.push_back(Json{{"domain", domain}, {"via", s.server}});
                    notes.push_back(h.name + " sent mail for " + domain + " to " + s.server +
                                    " without an MX lookup: a static route.");
                }
        }
        if (!routes.empty()) j["routes"] = std::move(routes);
        std::vector<std::string> required;
        for (const auto& server : o_.hosts) {
            if (!server.tls_failed) continue;
            if (o_.tls_clear_retry.count({h.name, server.name})) continue;
            bool spoke = false;
            for (const auto& s : o_.sessions) spoke = spoke || (s.client == h.name && s.server == server.name);
            if (!spoke) continue;
            // TLS failed and the relay never went on in clear text: TLS was required for the
            // domains this host serves (RFC 3207 §4; RFC 7672 for the policy).
            for (const auto& d : domains_served_by(server.name)) rebuild::add_unique(required, d);
        }
        if (!required.empty()) {
            j["tls_required_domains"] = required;
            notes.push_back(h.name + " never sent in clear text after TLS failed: TLS is required for " +
                            required.front() + (required.size() > 1 ? " and others" : "") + ".");
        }
    }

    std::vector<std::string> domains_served_by(const std::string& host) const {
        std::vector<std::string> out;
        for (const auto& d : o_.dns) {
            if (d.type == "MX") {
                for (const auto& [pref, exchange] : d.mx)
                    if (exchange == ascii_lowercase(host)) rebuild::add_unique(out, d.name);
            } else if (d.name == ascii_lowercase(host)) {
                // An implicit MX: the domain is the host (RFC 5321 §5.1), if mail went to it.
                for (const auto& s : o_.sessions)
                    for (const auto& t : s.transactions)
                        for (const auto& r : t.rcpts)
                            if (ascii_lowercase(r.path.mailbox.domain) == d.name) rebuild::add_unique(out, d.name);
            }
        }
        return out;
    }

    Json dns() {
        Json out = Json::array();
        std::set<std::string> named;
        for (const auto& d : o_.dns) {
            for (const auto& [pref, exchange] : d.mx) {
                out.push_back(Json{{"name", d.name}, {"type", "MX"}, {"preference", pref}, {"value", exchange}});
                named.insert(d.name);
            }
            for (const auto& a : d.addresses) {
                out.push_back(Json{{"name", d.name}, {"type", d.type}, {"value", a}});
                named.insert(d.name);
            }
        }
        for (const auto& d : o_.dns) {
            if (d.failure != DnsStatus::nodata || d.answered || named.count(d.name)) continue;
            // "No records of this type": the name exists with others (RFC 2308 §2.2).
            out.push_back(Json{{"name", d.name}, {"type", "TXT"}, {"value", "rebuilt: the name exists"}});
            named.insert(d.name);
        }
        for (const auto& d : o_.dns)
            if (d.failure == DnsStatus::nxdomain && d.answered)
                notes.push_back(d.name + " answered NXDOMAIN once and records later: the world keeps the records "
                                         "and an NXDOMAIN switch until the first answer.");
        return out;
    }

    // The message ids, one per transaction of an origin session (or per session without one).
    std::vector<std::pair<const SeenSession*, std::string>> message_ids() const {
        std::vector<std::pair<const SeenSession*, std::string>> out;
        std::set<std::string> taken;
        int n = 0;
        for (const SeenSession* s : origin_sessions()) {
            const std::size_t count = std::max<std::size_t>(1, s->transactions.size());
            for (std::size_t i = 0; i < count; ++i) {
                ++n;
                const std::string seen = i < s->transactions.size() ? s->transactions[i].message : std::string();
                std::string id = seen.empty() || taken.count(seen) ? numbered('m', n) : seen;
                taken.insert(id);
                out.emplace_back(s, id);
            }
        }
        return out;
    }

    // A client that did what the engine's client never does (AUTH before STARTTLS, or no
    // message at all) in clear text is replayed line by line, as the scenario files script
    // misbehaving clients; its AUTH PLAIN answer is rewritten to the placeholder login.
    static bool scripted(const SeenSession& s) {
        if (chunked(s)) return true;
        return !s.starttls && !s.content && !s.commands.empty() && !clear_auth_accepted(s) &&
               (s.auth_before_tls || (s.transactions.empty() && s.auth_code != 535));
    }
    // A clear-text client that sent its message in several BDAT chunks (RFC 3030 §2): the
    // engine's client sends one BDAT LAST, so the lines are replayed, each chunk as long as
    // it said.
    static bool chunked(const SeenSession& s) { return !s.starttls && bdat_commands(s) > 1; }
    static std::ptrdiff_t bdat_commands(const SeenSession& s) {
        return std::count_if(s.commands.begin(), s.commands.end(), [](const TraceEvent& c) { return c.verb == Verb::bdat; });
    }
    // `size` octets standing in for a chunk not observed: short lines of "x", CR LF ended.
    static std::string placeholder_chunk(std::uint64_t size) {
        std::string out;
        std::size_t line = 0;
        while (out.size() < size) {
            const std::uint64_t left = size - out.size();
            if (left >= 2 && (line == 70 || left == 2)) {
                out += "\r\n";
                line = 0;
            } else {
                out += 'x';
                ++line;
            }
        }
        return out;
    }
    // A server that took AUTH in clear text on a submission port (a sandbox on loopback): the
    // world's offers AUTH only after STARTTLS (RFC 4954 §4, RFC 3207 §4), so the re-run's
    // client starts TLS first.
    static bool clear_auth_accepted(const SeenSession& s) {
        return s.auth_before_tls && s.auth_code == 235;
    }
    static Json script_of(const SeenSession& s) {
        Json script = Json::array();
        for (const auto& c : s.commands) {
            std::string line = c.wire.empty() ? c.text + "\r\n" : c.wire;
            if (c.has_secret() && c.secret_begin > 0 && ascii_istarts_with(line, "AUTH PLAIN "))
                line = line.substr(0, c.secret_begin) +
                       base64_encode(std::string("\0", 1) + login_of(s) + std::string("\0", 1) + k_password) +
                       line.substr(c.secret_end);
            if (c.verb == Verb::bdat) {
                const CommandLine cl = split_command(c.wire.empty() ? c.text : c.wire.substr(0, c.wire.find("\r\n")));
                if (auto bdat = parse_bdat_args(cl.args)) line += placeholder_chunk(bdat->size);
            }
            script.push_back(line);
        }
        return script;
    }

    Json messages() {
        Json out = Json::array();
        bool content_note = false;
        const auto ids = message_ids();
        std::size_t next = 0;
        for (const SeenSession* s : origin_sessions()) {
            const std::size_t count = std::max<std::size_t>(1, s->transactions.size());
            for (std::size_t i = 0; i < count; ++i) {
                const std::string id = ids[next++].second;
                const rebuild::SeenTransaction* t = i < s->transactions.size() ? &s->transactions[i] : nullptr;
                Json m;
                m["id"] = id;
                m["at_ms"] = std::max<std::int64_t>(0, (t && i > 0 ? t->t_ms : s->t_ms) - o_.t0);
                m["client"] = s->client;
                m["server"] = s->server;
                m["port"] = s->port == 587 || s->port == 465 ? s->port : 25;
                m["starttls"] = s->starttls || clear_auth_accepted(*s);
                if (clear_auth_accepted(*s))
                    notes.push_back(s->server + " accepted AUTH without TLS; the world's submission port offers "
                                                "AUTH only after STARTTLS, so the re-run's client starts TLS first.");
                if (s->auth) m["auth"] = Json{{"user", ascii_lowercase(login_of(*s))}, {"password", k_password}};
                m["from"] = !t || t->from.null ? std::string() : t->from.mailbox.to_string();
                Json to = Json::array();
                std::string notify;
                bool same_notify = true;
                if (t) {
                    for (std::size_t r = 0; r < t->rcpts.size(); ++r) {
                        to.push_back(t->rcpts[r].path.mailbox.to_string());
                        const std::string this_notify =
                            t->rcpts[r].params.notify ? notify_wire_value(*t->rcpts[r].params.notify) : std::string();
                        if (r == 0) notify = this_notify;
                        else same_notify = same_notify && notify == this_notify;
                    }
                }
                if (to.empty()) {
                    to.push_back("someone@example.invalid");
                    notes.push_back("No recipient of " + id + " was observed: someone@example.invalid (RFC 2606) "
                                    "stands in.");
                }
                m["to"] = std::move(to);
                m["subject"] = "Rebuilt message";
                m["body"] = "The content was not observed; this text stands in for it.\r\n";
                if (t && t->params.size) m["pad_to"] = *t->params.size;
                if (t && t->params.body == Body::eight_bit_mime) m["body_8bitmime"] = true;
                // The content went as BDAT (RFC 3030 §2): the engine's client does so too when asked.
                if (bdat_commands(*s) > 0 && !scripted(*s)) m["bdat"] = true;
                if (!notify.empty() && same_notify) m["notify"] = notify;
                if (scripted(*s)) {
                    m["script"] = script_of(*s);
                    notes.push_back("The client of " + id + " did what the engine's client would not (" +
                                    std::string(chunked(*s)             ? "its message in several BDAT chunks"
                                                : s->auth_before_tls ? "AUTH before STARTTLS"
                                                                     : "no MAIL FROM") +
                                    "): its lines are sent as a script; the servers' answers are the engine's.");
                    if (chunked(*s)) content_note = true;
                } else if (t) {
                    content_note = true;
                }
                out.push_back(std::move(m));
                if (s->auth)
                    notes.push_back("AUTH credentials are never in the trace: " + login_of(*s) +
                                    " logs in with a placeholder password.");
                if (t && t->mail_code / 100 == 2 && s->port != 25 && s->auth_code != 235)
                    notes.push_back(s->server + " took mail on port " + std::to_string(s->port) +
                                    " without AUTH (a sandbox?): the world's submission port asks for AUTH first "
                                    "(RFC 6409 §4.3), so the re-run refuses it with 530.");
                if (s->auth_before_tls && !scripted(*s) && !clear_auth_accepted(*s))
                    notes.push_back("The client tried AUTH before STARTTLS; the world's client says EHLO, MAIL "
                                    "and so on in its own order, so the refusal may come at another command.");
            }
        }
        if (out.empty())
            notes.push_back("No client's session was observed: the world has no message to send.");
        if (content_note)
            notes.push_back("The message content was not observed: a placeholder body, padded to the SIZE the "
                            "client declared, stands in for it.");
        return out;
    }

    void on_switch(Json& list, std::string name, std::string label, Json effect, std::string note) {
        list.push_back(Json{{"name", std::move(name)}, {"label", std::move(label)}, {"on", true},
                            {"effects", Json::array({std::move(effect)})}});
        if (!note.empty()) notes.push_back(std::move(note));
    }

    Json switches() {
        Json out = Json::array();
        for (const auto& h : o_.hosts) {
            if (!used(h) || is_client(h)) continue;
            const std::string& n = h.name;
            if (h.refused && !h.accepted_connection)
                on_switch(out, "down-" + n, n + " refuses connections (observed)", Json{{"type", "host_down"}, {"host", n}}, "");
            if (h.refused && h.accepted_connection)
                notes.push_back(n + " refused a connection and accepted another: the world cannot do both; it "
                                    "keeps it up.");
            if (h.silent && !h.accepted_connection)
                on_switch(out, "silent-" + n, n + " does not answer (observed)", Json{{"type", "host_silent"}, {"host", n}}, "");
            if (h.greylisting)
                on_switch(out, "greylisting-" + n, n + " greylists new senders (observed 4.7.1)",
                          Json{{"type", "greylisting"}, {"host", n}},
                          n + " answered 4.7.1 to a recipient: taken as greylisting (RFC 6647), which lets a retry "
                              "in after a minute.");
            if (h.mailbox_full)
                on_switch(out, "mailbox-full-" + n, n + " says the mailbox is full (observed 4.2.2)",
                          Json{{"type", "mailbox_full"}, {"host", n}}, "");
            if (h.rate_limit)
                on_switch(out, "rate-limit-" + n, n + " limits new connections (observed 421)",
                          Json{{"type", "rate_limit"}, {"host", n}},
                          n + " answered 421: taken as a rate limit on a client's first connection.");
            if (h.tls)
                on_switch(out, "tls-" + n, n + "'s TLS fails (observed)",
                          Json{{"type", "tls"}, {"host", n},
                               {"result", *h.tls == TlsOutcome::untrusted ? "untrusted" : "handshake_failure"}},
                          "");
        }
        for (const auto& d : o_.dns) {
            if (d.failure != DnsStatus::servfail && d.failure != DnsStatus::timeout &&
                !(d.failure == DnsStatus::nxdomain && d.answered))
                continue;
            Json effect{{"type", "dns"},
                        {"name", d.name},
                        {"result", d.failure == DnsStatus::servfail ? "servfail"
                                   : d.failure == DnsStatus::timeout ? "timeout"
                                                                       : "nxdomain"}};
            if (d.first_ok_ms && *d.first_ok_ms > d.failure_ms) {
                effect["until_ms"] = *d.first_ok_ms - o_.t0;
                notes.push_back("DNS for " + d.name + " failed, then answered: the failure lasts until the time of "
                                "the first answer seen.");
            }
            on_switch(out, "dns-" + d.name + "-" + ascii_lowercase(d.type), "DNS fails for " + d.name + " (observed)",
                      std::move(effect), "");
        }
        for (const auto& [s, id] : message_ids()) {
            if (s->auth_code != 535) continue;
            on_switch(out, "wrong-password-" + id, "The client's password is wrong (observed 535)",
                      Json{{"type", "wrong_password"}, {"message", id}}, "");
        }
        // Switches to play with: any destination can be taken down (off to begin with).
        for (const auto& h : o_.hosts) {
            if (!used(h) || is_client(h) || (h.refused && !h.accepted_connection)) continue;
            out.push_back(Json{{"name", "down-" + h.name},
                               {"label", h.name + " refuses connections"},
                               {"effects", Json::array({Json{{"type", "host_down"}, {"host", h.name}}})}});
        }
        return out;
    }

    const Observation& o_;
    std::map<std::string, std::string> ipv4_, ipv6_;
};

}  // namespace

RebuiltWorld rebuild_world(const std::vector<ObservedEvent>& events, std::string_view name) {
    Observation o = rebuild::observe(events);
    Writer w(o);
    Json doc = w.scenario(name);
    RebuiltWorld out;
    out.notes = o.notes;
    for (auto& n : w.notes) out.notes.push_back(std::move(n));
    for (const auto& [host, what] : o.unmapped)
        out.notes.push_back(host + " answered " + what + ": not a behaviour the world offers, so the re-run may "
                                                         "differ there.");
    // One note per thing said.
    std::vector<std::string> unique;
    for (auto& n : out.notes) rebuild::add_unique(unique, n);
    out.notes = std::move(unique);
    // The guesses go into the world itself (its description, under the title), so they stay
    // with it when it is edited, exported or shared as a link.
    if (!out.notes.empty()) {
        std::string description = doc["description"].get<std::string>() + "\n\nWhat the rebuild had to guess:";
        for (const auto& n : out.notes) description.append("\n- ").append(n);
        doc["description"] = std::move(description);
    }
    out.json = doc.dump(2) + "\n";
    return out;
}

}  // namespace relaylab::sim
