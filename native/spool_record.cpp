#include "native/spool_record.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <sstream>

#include "engine/address.hpp"

namespace relaylab::native {

namespace {

// Values in the envelope header: bytes that could break a line or a field become %XX.
std::string enc(std::string_view s) {
    std::string out;
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c <= 0x20 || c == '%' || c >= 0x7f) {
            char buf[4];
            std::snprintf(buf, sizeof buf, "%%%02X", c);
            out += buf;
        } else {
            out += ch;
        }
    }
    return out.empty() ? "%" : out;  // "%" alone = empty value
}

std::string dec(std::string_view s) {
    if (s == "%") return {};
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
            out += static_cast<char>(std::strtol(std::string(s.substr(i + 1, 2)).c_str(), nullptr, 16));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

std::string reply_fields(const std::optional<Reply>& r) {
    if (!r) return "0 % %";
    return std::to_string(r->code) + " " + enc(r->enhanced) + " " + enc(r->text());
}

std::optional<Reply> parse_reply_fields(std::istream& in) {
    int code = 0;
    std::string enh, text;
    in >> code >> enh >> text;
    if (code == 0) return std::nullopt;
    return make_reply(code, dec(enh), dec(text));
}

// ---- MESSAGE and STATE payloads ----
// Version 2 ("relaylab-spool 2") keeps the whole typed message model: the reverse- and
// forward-paths in their wire form (re-parsed with the engine's address parser), every MAIL
// parameter, per recipient NOTIFY (given or not) and ORCPT, content_8bit and the origin.
// Version 1 records (address strings, 'ret' numbers, NOTIFY flags always present) are still
// read. STATE records: "r" lines are version 1 (5 states), "s" lines version 2.

// The path as it went on the wire, source route included: "<@a,@b:user@example.org>".
std::string path_wire(const Path& p) {
    if (p.null) return "<>";
    std::string s = "<";
    for (std::size_t i = 0; i < p.source_route.size(); ++i) s += (i ? ",@" : "@") + p.source_route[i];
    if (!p.source_route.empty()) s += ":";
    s += p.mailbox.domain.empty() ? p.mailbox.local_part : p.mailbox.to_string();
    return s + ">";
}

std::optional<Path> parse_path_wire(std::string_view wire, bool reverse) {
    Parsed<Path> p = reverse ? parse_reverse_path(wire, true) : parse_forward_path(wire, true);
    if (!p || p.consumed != wire.size()) return std::nullopt;
    return p.value;
}

// A version 1 address string ("bob@example.org", "Postmaster", "" = null sender) as a Path.
std::optional<Path> path_from_v1(const std::string& address, bool reverse) {
    if (address.empty()) {
        if (!reverse) return std::nullopt;
        Path p;
        p.null = true;
        return p;
    }
    return parse_path_wire("<" + address + ">", reverse);
}

std::string notify_field(const std::optional<DsnNotify>& n) {
    if (!n) return "-";  // not given: the default applies (RFC 3461 §4.1)
    std::string f;
    f += n->never ? 'N' : '-';
    f += n->success ? 'S' : '-';
    f += n->failure ? 'F' : '-';
    f += n->delay ? 'D' : '-';
    return f;
}

std::optional<DsnNotify> parse_notify_field(std::string_view f) {
    if (f.size() != 4) return std::nullopt;
    DsnNotify n;
    n.never = f[0] == 'N';
    n.success = f[1] == 'S';
    n.failure = f[2] == 'F';
    n.delay = f[3] == 'D';
    return n;
}

}  // namespace

std::string spool_field(std::string_view s) { return enc(s); }
std::string spool_field_value(std::string_view field) { return dec(field); }

std::string message_header(const QueuedMessage& q, const SpoolInfo& info, std::size_t content_size) {
    std::string head = "relaylab-spool 2\n";
    head += "id " + enc(q.id) + "\n";
    head += "created " + std::to_string(q.created_ms) + "\n";
    head += std::string("origin ") + (q.origin == MessageOrigin::notice ? "notice" : "client") + "\n";
    head += "sender " + enc(path_wire(q.sender)) + "\n";
    const MailParams& m = q.params;
    head += "size-param " + (m.size ? std::to_string(*m.size) : std::string("-")) + "\n";
    head += "body " + std::to_string(static_cast<int>(m.body)) + "\n";
    head += std::string("smtputf8 ") + (m.smtputf8 ? "1" : "0") + "\n";
    head += "ret " + std::to_string(static_cast<int>(m.ret)) + "\n";
    head += "envid " + enc(m.envid) + "\n";
    head += "auth-param " + enc(m.auth) + "\n";
    head += std::string("content-8bit ") + (q.content_8bit ? "1" : "0") + "\n";
    head += "client " + enc(info.client_ip) + "\n";
    head += "auth " + enc(info.auth_user) + "\n";
    head += "size " + std::to_string(content_size) + "\n";
    if (info.release) head += "release 1\n";
    for (const auto& r : q.recipients)
        head += "rcpt " + enc(path_wire(r.path)) + " " + notify_field(r.params.notify) + " " + enc(r.params.orcpt) + "\n";
    head += "\n";
    return head;
}

// The envelope header of a MESSAGE payload (version 1 or 2); content_off = where the content
// starts.
bool parse_message(std::string_view payload, QueuedMessage& q, SpoolInfo& info, std::size_t& content_off) {
    const auto end = payload.find("\n\n");
    if (end == std::string_view::npos) return false;
    content_off = end + 2;
    std::istringstream in{std::string(payload.substr(0, end + 1))};
    std::string line;
    if (!std::getline(in, line)) return false;
    const int version = line == "relaylab-spool 1" ? 1 : line == "relaylab-spool 2" ? 2 : 0;
    if (version == 0) return false;
    bool ok = true;
    try {
        while (ok && std::getline(in, line) && !line.empty()) {
            std::istringstream ls(line);
            std::string key, v1, v2, v3;
            ls >> key >> v1 >> v2 >> v3;
            if (key == "id") q.id = dec(v1);
            else if (key == "created") q.created_ms = std::stoll(v1);
            else if (key == "origin") q.origin = v1 == "notice" ? MessageOrigin::notice : MessageOrigin::client;
            else if (key == "sender") {
                auto p = version == 1 ? path_from_v1(dec(v1), true) : parse_path_wire(dec(v1), true);
                if (p) q.sender = *p;
                else ok = false;
            } else if (key == "size-param") {
                if (v1 != "-") q.params.size = std::stoull(v1);
            } else if (key == "body") q.params.body = static_cast<Body>(std::clamp(std::stoi(v1), 0, 2));
            else if (key == "smtputf8") q.params.smtputf8 = v1 == "1";
            // v1 'ret' numbers were DsnRet {unspecified, full, hdrs}: the order of Ret.
            else if (key == "ret") q.params.ret = static_cast<Ret>(std::clamp(std::stoi(v1), 0, 2));
            else if (key == "envid") q.params.envid = dec(v1);
            else if (key == "auth-param") q.params.auth = dec(v1);
            else if (key == "content-8bit") q.content_8bit = v1 == "1";
            else if (key == "client") info.client_ip = dec(v1);
            else if (key == "auth") info.auth_user = dec(v1);
            else if (key == "size") info.size = std::stoull(v1);
            else if (key == "release") info.release = v1 == "1";
            else if (key == "rcpt") {
                QueuedRecipient r;
                if (version == 1) {  // rcpt ADDRESS ORCPT FLAGS
                    auto p = path_from_v1(dec(v1), false);
                    if (!p) {
                        ok = false;
                        break;
                    }
                    r.path = *p;
                    r.params.orcpt = dec(v2);
                    // v1 always wrote the flags; the default ones stand for "not given".
                    auto n = parse_notify_field(v3);
                    if (n && !(*n == DsnNotify{})) r.params.notify = n;
                } else {  // rcpt PATH NOTIFY ORCPT
                    auto p = parse_path_wire(dec(v1), false);
                    if (!p) {
                        ok = false;
                        break;
                    }
                    r.path = *p;
                    r.params.notify = parse_notify_field(v2);
                    r.params.orcpt = dec(v3);
                }
                q.recipients.push_back(std::move(r));
            }
        }
    } catch (const std::exception&) {
        return false;
    }
    return ok && !q.id.empty() && !q.recipients.empty();
}

std::string state_lines(const QueuedMessage& q) {
    std::string st;
    for (std::size_t i = 0; i < q.recipients.size(); ++i) {
        const auto& r = q.recipients[i];
        st += "s " + std::to_string(i) + " " + std::to_string(static_cast<int>(r.state)) + " " +
              std::to_string(r.attempts) + " " + std::to_string(r.next_attempt_ms) + " " +
              std::to_string(r.last_attempt_ms.value_or(-1)) + " " + (r.failure_dsn_sent ? "F" : "-") +
              (r.delay_dsn_sent ? "D" : "-") + (r.success_dsn_sent ? "S" : "-") + (r.expired ? "E" : "-") +
              (r.dsn_passed_on ? "P" : "-") + " " + enc(r.remote_mta) + " " + reply_fields(r.last_reply) + " " +
              reply_fields(r.final_reply) + "\n";
    }
    return st;
}

namespace {

// A v1 state number (queued, attempting, delivered, deferred, bounced) in today's enum.
RecipientState state_from_v1(int n) {
    switch (n) {
        case 0: return RecipientState::queued;
        case 1: return RecipientState::attempting;
        case 2: return RecipientState::delivered;
        case 3: return RecipientState::deferred;
        default: return RecipientState::bounced;
    }
}

}  // namespace

void apply_state_lines(QueuedMessage& q, const std::string& text) {
    std::istringstream st(text);
    std::string line;
    while (std::getline(st, line)) {
        std::istringstream ls(line);
        std::string tag, flags, remote;
        std::size_t i = 0;
        int state = 0, attempts = 0;
        long long next = 0, last = -1;
        ls >> tag >> i >> state >> attempts >> next >> last >> flags >> remote;
        if ((tag != "r" && tag != "s") || i >= q.recipients.size() || !ls) continue;
        const bool v2 = tag == "s";
        auto& r = q.recipients[i];
        r.state = v2 ? static_cast<RecipientState>(std::clamp(state, 0, 5)) : state_from_v1(state);
        if (r.state == RecipientState::attempting) r.state = RecipientState::queued;  // interrupted
        r.attempts = attempts;
        r.next_attempt_ms = next;
        if (last >= 0) r.last_attempt_ms = last;
        auto flag = [&](std::size_t at, char c) { return flags.size() > at && flags[at] == c; };
        r.failure_dsn_sent = flag(0, 'F');
        r.delay_dsn_sent = flag(1, 'D');
        r.success_dsn_sent = flag(2, 'S');
        r.expired = v2 && flag(3, 'E');
        r.dsn_passed_on = v2 && flag(4, 'P');
        r.remote_mta = dec(remote);
        r.last_reply = parse_reply_fields(ls);
        r.final_reply = parse_reply_fields(ls);
    }
}

}  // namespace relaylab::native
