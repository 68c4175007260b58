// What a trace shows, folded into typed facts: the hosts and the side of each session they
// were on, the commands and the replies that answered them (matched in order, RFC 5321
// §4.3: every command gets one reply, pipelined or not), the EHLO keywords (RFC 5321
// §4.1.1.1), the DNS answers and the connections refused. Nothing is decided here about
// the world; rebuild_world.cpp does that.
#include "sim/rebuild_observe.hpp"

#include <algorithm>

#include "engine/ascii.hpp"

namespace relaylab::sim::rebuild {

namespace {

constexpr bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

// "127.0.0.1:4242" or "mx1.dest.test:25" → the host alone (an IPv6 address keeps its colons).
std::string host_name(const std::string& s) {
    const auto colon = s.rfind(':');
    if (colon == std::string::npos || s.find(':') != colon || colon + 1 == s.size()) return s;
    for (std::size_t i = colon + 1; i < s.size(); ++i)
        if (!is_digit(static_cast<unsigned char>(s[i]))) return s;
    return s.substr(0, colon);
}

bool is_host(const std::string& s) { return !s.empty() && s != "dns" && s.find('@') == std::string::npos; }

std::string wire_line(const TraceEvent& e) {
    std::string line = e.wire.empty() ? e.text : e.wire;
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    return line;
}

std::string domain_part(const std::string& address) {
    const auto at = address.rfind('@');
    return at == std::string::npos ? std::string() : ascii_lowercase(address.substr(at + 1));
}

int port_of_role(const std::string& role) {
    if (role == "smtp") return 25;
    if (role == "submission") return 587;
    if (role == "submissions") return 465;
    return 0;
}

class Folder {
public:
    explicit Folder(Observation& o) : o_(o) {}

    void event(const ObservedEvent& oe) {
        const TraceEvent& e = oe.event;
        switch (e.kind) {
            case TraceKind::command: command(oe); break;
            case TraceKind::reply: reply(oe); break;
            case TraceKind::data:
                if (SeenSession* s = session(oe, host_name(e.from), host_name(e.to)))
                    if (e.note == TraceNote::content || e.note == TraceNote::content_bdat) s->pending.push_back("content");
                break;
            case TraceKind::tls: tls(oe); break;
            case TraceKind::connect: on_connect_event(oe); break;
            case TraceKind::dns_answer: dns(oe); break;
            case TraceKind::queue: queue(oe); break;
            case TraceKind::delivery: delivery(oe); break;
            default: break;
        }
    }

private:
    // The session an SMTP line belongs to (client → server), opened at its first line.
    SeenSession* session(const ObservedEvent& oe, const std::string& client, const std::string& server) {
        if (!is_host(client) || !is_host(server)) return nullptr;
        const std::string key = oe.session.empty() ? client + ">" + server : oe.session;
        for (auto& s : o_.sessions)
            if (s.key == key) return &s;
        SeenSession s;
        s.key = key;
        s.client = client;
        s.server = server;
        s.t_ms = oe.event.t_ms;
        s.port = port_of_role(oe.role);
        if (auto it = last_attempt_.find(client); it != last_attempt_.end() && it->second.server == server) {
            if (!s.port && it->second.port) s.port = it->second.port;
            s.t_ms = it->second.t_ms;  // the session began with the connection attempt
        }
        if (!s.port) s.port = 25;
        SeenHost& c = o_.add_host(client);
        c.client_side = true;
        SeenHost& h = o_.add_host(server);
        h.server_side = true;
        h.ports.insert(s.port);
        o_.sessions.push_back(std::move(s));
        return &o_.sessions.back();
    }

    void command(const ObservedEvent& oe) {
        const TraceEvent& e = oe.event;
        SeenSession* s = session(oe, host_name(e.from), host_name(e.to));
        if (!s) return;
        s->commands.push_back(e);
        const bool continuation = e.verb == Verb::auth && e.has_secret() && e.secret_begin == 0;
        if (continuation) {
            s->pending.push_back("AUTH");
            return;
        }
        s->pending.push_back(verb_name(e.verb));
        const std::string line = wire_line(e);
        const CommandLine cl = split_command(line);
        switch (e.verb) {
            case Verb::ehlo:
            case Verb::helo: s->ehlo = true; break;
            case Verb::starttls: s->starttls = true; break;
            case Verb::data:
            case Verb::bdat: s->content = true; break;
            case Verb::auth:
                s->auth = true;
                if (!s->tls_up && s->port == 587) s->auth_before_tls = true;
                break;
            case Verb::mail: {
                SeenTransaction t;
                t.t_ms = e.t_ms;
                t.message = oe.message;
                if (auto args = parse_mail_args(cl.args, true)) {
                    t.from = args.value.path;
                    (void)parse_mail_params(args.value.params, t.params);
                }
                s->transactions.push_back(std::move(t));
                break;
            }
            case Verb::rcpt: {
                if (s->transactions.empty()) break;
                SeenRcpt r;
                if (auto args = parse_rcpt_args(cl.args, true)) {
                    r.path = args.value.path;
                    (void)parse_rcpt_params(args.value.params, r.params);
                    s->transactions.back().rcpts.push_back(std::move(r));
                }
                break;
            }
            default: break;
        }
    }

    void reply(const ObservedEvent& oe) {
        const TraceEvent& e = oe.event;
        SeenSession* s = session(oe, host_name(e.to), host_name(e.from));
        if (!s) return;
        SeenHost* h = o_.host(s->server);
        if (e.phase == TracePhase::ehlo && e.reply_line > 0 && e.code == 250) {
            h->ehlo_seen = true;
            std::string line = wire_line(e);
            line = line.size() > 4 ? line.substr(4) : std::string();
            const auto space = line.find(' ');
            std::string keyword = line.substr(0, space);
            for (char& c : keyword) c = ascii_upper(c);
            h->extensions.insert(keyword);
            if (keyword == "SIZE" && space != std::string::npos) {
                std::uint64_t n = 0;
                bool digits = false;
                for (char c : line.substr(space + 1)) {
                    if (!is_digit(static_cast<unsigned char>(c))) break;
                    n = n * 10 + static_cast<std::uint64_t>(c - '0');
                    digits = true;
                }
                if (digits && n > 0) h->size = n;
            }
            return;
        }
        if (e.reply_line != 0) return;
        if (e.phase == TracePhase::greeting) {
            if (e.code == 220) h->accepted_connection = true;
            else if (e.code >= 400) {
                if (e.code == 421) h->rate_limit = true;
                if (e.code != 421) o_.unmapped.emplace_back(s->server, std::to_string(e.code) + " as its greeting");
                else o_.notes.push_back(s->server + " answered 421 as its greeting; the rebuilt world's rate limit answers 421 4.7.0 to EHLO instead (RFC 5321 §3.8).");
            }
            return;
        }
        std::string verb = s->pending.empty() ? std::string() : s->pending.front();
        if (!s->pending.empty()) s->pending.erase(s->pending.begin());
        const std::string what = std::to_string(e.code) + (e.enhanced.empty() ? "" : " " + e.enhanced);
        if (verb == "EHLO" || verb == "HELO") {
            h->ehlo_seen = true;
            if (e.code == 421) h->rate_limit = true;
            else if (e.code >= 400) o_.unmapped.emplace_back(s->server, what + " to " + verb);
            return;
        }
        if (verb == "AUTH") {
            if (e.code != 334) s->auth_code = e.code;
            return;
        }
        if (verb == "MAIL" && !s->transactions.empty()) {
            s->transactions.back().mail_code = e.code;
            // 530 (no AUTH), 553 5.7.1 (sender not the user's), 552 (SIZE): the engine's own rules.
            if (e.code >= 400 && e.code != 530 && e.code != 552 && !(e.code == 553 && e.enhanced == "5.7.1"))
                o_.unmapped.emplace_back(s->server, what + " to MAIL");
            return;
        }
        if (verb == "RCPT" && !s->transactions.empty()) {
            SeenTransaction& t = s->transactions.back();
            SeenRcpt* r = nullptr;
            for (auto& candidate : t.rcpts)
                if (candidate.code == 0) {
                    r = &candidate;
                    break;
                }
            if (!r) return;
            r->code = e.code;
            r->enhanced = e.enhanced;
            const std::string address = r->path.mailbox.to_string();
            if (e.code / 100 == 2) return;
            if ((e.code == 450 || e.code == 451) && e.enhanced == "4.7.1") h->greylisting = true;  // RFC 6647 §2.1
            else if (e.code == 452 && e.enhanced == "4.2.2") h->mailbox_full = true;            // RFC 3463 X.2.2
            else if (e.code == 550 && e.enhanced == "5.1.1") {                                  // RFC 3463 X.1.1
                add_unique(h->local_domains, domain_part(address));
                add_unique(h->unknown_users, ascii_lowercase(address));
            } else if (!(e.code == 550 && e.enhanced == "5.7.1") && e.code != 530)
                o_.unmapped.emplace_back(s->server, what + " to RCPT");
            return;
        }
        if (verb == "content" && e.code / 100 == 2) ++o_.transfers;
        if (verb == "content" && e.code == 554 && e.enhanced == "5.4.6") {
            // RFC 5321 §6.3: a loop, seen by counting Received: lines. The content had one per
            // transfer so far, and the one before passed: the limit is one less.
            h->max_hops = o_.transfers > 0 ? o_.transfers - 1 : 0;
            o_.notes.push_back(s->server + " refused the message for too many hops (554 5.4.6): its hop limit is "
                               "taken as " + std::to_string(*h->max_hops) + ", the Received: lines it let through.");
            return;
        }
        if ((verb == "content" || verb == "DATA" || verb == "BDAT") && e.code >= 400) {
            // 554 5.5.1 "no valid recipients" follows refused recipients by itself; 552 is SIZE.
            if (!(e.code == 554 && e.enhanced == "5.5.1") && e.code != 552)
                o_.unmapped.emplace_back(s->server, what + " after the content");
        }
    }

    void tls(const ObservedEvent& oe) {
        const TraceEvent& e = oe.event;
        SeenSession* s = nullptr;
        for (auto& candidate : o_.sessions)
            if (!oe.session.empty() && candidate.key == oe.session) s = &candidate;
        if (!s) s = session(oe, host_name(e.from), host_name(e.to));
        if (!s) return;
        if (e.note == TraceNote::tls_established) s->tls_up = true;
        // The kind of TLS failure is typed: an untrusted certificate, or anything else (a
        // failed handshake).
        const bool certificate = e.note == TraceNote::tls_certificate_untrusted;
        SeenHost* h = o_.host(s->server);
        if (e.outcome == TraceOutcome::failed || e.note == TraceNote::tls_failed ||
            e.note == TraceNote::tls_handshake_failed) {
            h->tls = certificate ? TlsOutcome::untrusted : TlsOutcome::handshake_failure;
            h->tls_failed = true;
        }
        else if (e.outcome == TraceOutcome::ok && certificate)
            h->tls = TlsOutcome::untrusted;  // opportunistic TLS went on unverified (RFC 7435)
    }

    // A trace event of kind connect (an attempt recorded by the simulator or the relay; no
    // socket here: sim/ only reads events). Its typed target says where and on which port;
    // a connection's end carries none.
    void on_connect_event(const ObservedEvent& oe) {
        const TraceEvent& e = oe.event;
        if (e.connect.empty()) return;
        if (e.outcome == TraceOutcome::none) {
            // The session that follows names its server as the events' `to` does.
            const std::string from = host_name(e.from), to = host_name(e.to);
            if (is_host(from) && is_host(to)) {
                o_.add_host(from);
                o_.add_host(to);
                last_attempt_[from] = {to, e.connect.port, e.t_ms};
            }
            return;
        }
        if (e.outcome != TraceOutcome::refused && e.outcome != TraceOutcome::timed_out) return;
        const std::string target = !e.connect.host.empty() ? e.connect.host : e.connect.address;
        if (!is_host(target)) return;
        SeenHost& h = o_.add_host(target);
        h.server_side = true;
        if (e.outcome == TraceOutcome::refused) h.refused = true;
        else h.silent = true;
    }

    void dns(const ObservedEvent& oe) {
        const TraceDns& a = oe.event.dns;
        if (a.empty()) return;
        const std::string name = ascii_lowercase(a.name), type = dns_question_type_name(a.type);
        SeenDns* d = nullptr;
        for (auto& candidate : o_.dns)
            if (candidate.name == name && candidate.type == type) d = &candidate;
        if (!d) {
            o_.dns.push_back(SeenDns{name, type, {}, {}, false, std::nullopt, DnsStatus::ok, 0});
            d = &o_.dns.back();
        }
        const std::int64_t t = oe.event.t_ms;
        if (a.status == DnsStatus::ok) {
            if (!d->first_ok_ms) d->first_ok_ms = t;
            if (d->answered) return;
            d->answered = true;
            for (const MxRecord& r : a.mx) d->mx.emplace_back(r.preference, ascii_lowercase(r.exchange));
            d->addresses = a.addresses;
            return;
        }
        if (d->failure == DnsStatus::ok) {
            d->failure = a.status;
            d->failure_ms = t;
        }
    }

    void queue(const ObservedEvent& oe) {
        const TraceEvent& e = oe.event;
        const std::string at = host_name(e.from);
        if (!is_host(at)) return;
        SeenHost& h = o_.add_host(at);
        h.queues = true;
        if (e.outcome == TraceOutcome::ok && !h.queued_ms.count(oe.message)) h.queued_ms[oe.message] = e.t_ms;
        if (e.outcome == TraceOutcome::deferred) ++h.deferrals[oe.message];
    }

    void delivery(const ObservedEvent& oe) {
        const TraceEvent& e = oe.event;
        const std::string at = host_name(e.from);
        if (!is_host(at)) return;
        SeenHost& h = o_.add_host(at);
        if (e.phase == TracePhase::dsn && e.outcome == TraceOutcome::bounced && !h.bounced_ms.count(oe.message))
            h.bounced_ms[oe.message] = e.t_ms;
        // Kept here and sent nowhere: a capture host (a sandbox, a fake SMTP server).
        if (e.outcome == TraceOutcome::captured) h.captures = true;
        // Stored in a mailbox here: the domain is this host's, the mailbox one of its users.
        if (e.phase == TracePhase::delivery && e.outcome == TraceOutcome::delivered && !is_host(e.to) &&
            e.to.find('@') != std::string::npos) {
            add_unique(h.local_domains, domain_part(e.to));
            add_unique(h.users, ascii_lowercase(e.to));
        }
    }

    Observation& o_;
    struct Attempt {
        std::string server;
        int port = 0;
        std::int64_t t_ms = 0;
    };
    std::map<std::string, Attempt> last_attempt_;  // the latest connection attempt of each client
};

}  // namespace

void add_unique(std::vector<std::string>& list, const std::string& value) {
    if (!value.empty() && std::find(list.begin(), list.end(), value) == list.end()) list.push_back(value);
}

SeenHost* Observation::host(const std::string& name) {
    for (auto& h : hosts)
        if (h.name == name) return &h;
    return nullptr;
}

const SeenHost* Observation::find(const std::string& name) const {
    for (const auto& h : hosts)
        if (h.name == name) return &h;
    return nullptr;
}

SeenHost& Observation::add_host(const std::string& name) {
    if (SeenHost* h = host(name)) return *h;
    SeenHost h;
    h.name = name;
    hosts.push_back(std::move(h));
    return hosts.back();
}

Observation observe(const std::vector<ObservedEvent>& events) {
    Observation o;
    if (!events.empty()) o.t0 = events.front().event.t_ms;
    for (const auto& e : events) o.t0 = std::min(o.t0, e.event.t_ms);
    // Sessions are kept by pointer while folding: reserve so that none moves.
    o.sessions.reserve(events.size());
    o.hosts.reserve(events.size() * 2 + 2);
    o.dns.reserve(events.size());
    Folder folder(o);
    for (const auto& e : events) folder.event(e);
    // A client that failed TLS with a server and then spoke to it without STARTTLS.
    for (const auto& s : o.sessions)
        if (s.ehlo && !s.starttls) o.tls_clear_retry.insert({s.client, s.server});
    return o;
}

}  // namespace relaylab::sim::rebuild
