#include "sim/scenario.hpp"

#include "engine/dsn_params.hpp"
#include "engine/relay_policy.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <set>
#include <vector>

namespace relaylab::sim {

using json = nlohmann::json;

namespace {

struct EffectName {
    EffectType type;
    const char* name;
};
constexpr EffectName k_effects[] = {
    {EffectType::host_down, "host_down"},       {EffectType::host_silent, "host_silent"},
    {EffectType::dns, "dns"},                   {EffectType::greylisting, "greylisting"},
    {EffectType::mailbox_full, "mailbox_full"}, {EffectType::rate_limit, "rate_limit"},
    {EffectType::size_limit, "size_limit"},     {EffectType::tls, "tls"},
    {EffectType::tls_required, "tls_required"}, {EffectType::wrong_password, "wrong_password"},
    {EffectType::skip_starttls, "skip_starttls"}, {EffectType::skip_auth, "skip_auth"},
};

// Reads fields with type checks; the first problem is kept with its JSON path.
class Reader {
public:
    std::string error;
    bool ok() const { return error.empty(); }

    void fail(const std::string& path, const std::string& what) {
        if (error.empty()) error = path + ": " + what;
    }
    const json* field(const json& obj, const std::string& path, const char* key, bool required) {
        if (!obj.is_object()) {
            fail(path, "expected an object");
            return nullptr;
        }
        auto [seen, fresh] = asked_.try_emplace(&obj);
        if (fresh) visited_.emplace_back(&obj, path);
        seen->second.insert(key);
        auto it = obj.find(key);
        if (it == obj.end()) {
            if (required) fail(path, std::string("missing \"") + key + "\"");
            return nullptr;
        }
        return &*it;
    }
    void str(const json& obj, const std::string& path, const char* key, std::string& out, bool required = false) {
        if (const json* v = field(obj, path, key, required)) {
            if (v->is_string()) out = v->get<std::string>();
            else fail(path + "." + key, "expected a string");
        }
    }
    template <class Int>
    void integer(const json& obj, const std::string& path, const char* key, Int& out, bool required = false) {
        if (const json* v = field(obj, path, key, required)) {
            if (v->is_number_integer()) out = v->get<Int>();
            else fail(path + "." + key, "expected an integer");
        }
    }
    void boolean(const json& obj, const std::string& path, const char* key, bool& out) {
        if (const json* v = field(obj, path, key, false)) {
            if (v->is_boolean()) out = v->get<bool>();
            else fail(path + "." + key, "expected true or false");
        }
    }
    void strings(const json& obj, const std::string& path, const char* key, std::vector<std::string>& out,
                 bool required = false) {
        const json* v = field(obj, path, key, required);
        if (!v) return;
        if (!v->is_array()) {
            fail(path + "." + key, "expected an array of strings");
            return;
        }
        for (const auto& item : *v) {
            if (!item.is_string()) {
                fail(path + "." + key, "expected an array of strings");
                return;
            }
            out.push_back(item.get<std::string>());
        }
    }
    // Every key of every object read must be one the reader asked for: a misspelt key
    // ("local_domain") would otherwise be ignored silently and the world quietly differ.
    void check_unknown_keys() {
        for (const auto& [obj, path] : visited_) {
            const auto& asked = asked_[obj];
            for (const auto& item : obj->items())
                if (!asked.count(item.key())) fail(path + "." + item.key(), "unknown key (misspelt?)");
        }
    }
    const json* array(const json& obj, const std::string& path, const char* key, bool required = false) {
        const json* v = field(obj, path, key, required);
        if (v && !v->is_array()) {
            fail(path + "." + key, "expected an array");
            return nullptr;
        }
        return v;
    }

private:
    std::map<const json*, std::set<std::string>> asked_;
    std::vector<std::pair<const json*, std::string>> visited_;  // in the order first read
};

std::string at(const std::string& path, const char* key, std::size_t i) {
    return path + "." + key + "[" + std::to_string(i) + "]";
}

void read_users(Reader& r, const json& obj, const std::string& path, std::vector<UserSpec>& out) {
    const json* users = r.array(obj, path, "users");
    if (!users) return;
    for (std::size_t i = 0; i < users->size(); ++i) {
        UserSpec u;
        const std::string p = at(path, "users", i);
        r.str((*users)[i], p, "address", u.address, true);
        r.str((*users)[i], p, "password", u.password);
        out.push_back(std::move(u));
    }
}

void read_host(Reader& r, const json& obj, const std::string& path, HostSpec& h) {
    r.str(obj, path, "name", h.name, true);
    std::string kind;
    r.str(obj, path, "kind", kind, true);
    if (kind == "client") h.kind = HostKind::client;
    else if (kind == "relay") h.kind = HostKind::relay;
    else if (kind == "mx") h.kind = HostKind::mx;
    else if (r.ok()) r.fail(path + ".kind", "unknown kind \"" + kind + "\" (client, relay or mx)");
    r.str(obj, path, "ip", h.ip);
    r.str(obj, path, "ipv6", h.ipv6);
    if (!h.ipv6.empty() && r.ok()) {
        const auto ip = parse_ip_address(h.ipv6);
        if (!ip || !ip->v6) r.fail(path + ".ipv6", "not an IPv6 address: \"" + h.ipv6 + "\"");
    }
    r.str(obj, path, "label", h.label);
    r.strings(obj, path, "local_domains", h.local_domains);
    r.strings(obj, path, "trusted_networks", h.trusted_networks);
    r.strings(obj, path, "tls_required_domains", h.tls_required_domains);
    r.strings(obj, path, "without_extensions", h.without_extensions);
    for (std::size_t i = 0; i < h.without_extensions.size(); ++i) {
        const std::string& ext = h.without_extensions[i];
        if (ext != "8BITMIME" && ext != "SMTPUTF8" && ext != "DSN" && ext != "PIPELINING" && ext != "CHUNKING")
            r.fail(at(path, "without_extensions", i),
                   "unknown extension \"" + ext + "\" (8BITMIME, SMTPUTF8, DSN, PIPELINING or CHUNKING)");
    }
    r.integer(obj, path, "max_message_size", h.max_message_size);
    r.integer(obj, path, "max_hops", h.max_hops);
    r.integer(obj, path, "queue_lifetime_ms", h.queue_lifetime_ms);
    read_users(r, obj, path, h.users);
    if (const json* routes = r.array(obj, path, "routes")) {
        for (std::size_t i = 0; i < routes->size(); ++i) {
            RouteSpec route;
            r.str((*routes)[i], at(path, "routes", i), "domain", route.domain, true);
            r.str((*routes)[i], at(path, "routes", i), "via", route.via, true);
            h.routes.push_back(std::move(route));
        }
    }
}

void read_effect(Reader& r, const json& obj, const std::string& path, EffectSpec& e) {
    std::string type;
    r.str(obj, path, "type", type, true);
    bool known = false;
    for (const auto& en : k_effects) {
        if (type == en.name) {
            e.type = en.type;
            known = true;
        }
    }
    if (!known && r.ok()) r.fail(path + ".type", "unknown effect \"" + type + "\"");
    r.str(obj, path, "host", e.host);
    r.str(obj, path, "name", e.name);
    r.str(obj, path, "result", e.result);
    r.str(obj, path, "domain", e.domain);
    r.str(obj, path, "message", e.message);
    r.integer(obj, path, "until_ms", e.until_ms);
    r.integer(obj, path, "bytes", e.bytes);
    if (e.type == EffectType::dns && e.result != "nxdomain" && e.result != "servfail" && e.result != "timeout")
        r.fail(path + ".result", "dns effects need \"nxdomain\", \"servfail\" or \"timeout\"");
    if (e.type == EffectType::tls && e.result != "untrusted" && e.result != "handshake_failure")
        r.fail(path + ".result", "tls effects need \"untrusted\" or \"handshake_failure\"");
}

void read_message(Reader& r, const json& obj, const std::string& path, MessageSpec& m) {
    r.str(obj, path, "id", m.id, true);
    r.integer(obj, path, "at_ms", m.at_ms);
    r.str(obj, path, "client", m.client, true);
    r.str(obj, path, "server", m.server, true);
    r.integer(obj, path, "port", m.port);
    if (m.port != 25 && m.port != 587 && m.port != 465) r.fail(path + ".port", "port must be 25, 587 or 465");
    r.boolean(obj, path, "starttls", m.starttls);
    if (const json* auth = r.field(obj, path, "auth", false)) {
        UserSpec u;
        r.str(*auth, path + ".auth", "user", u.address, true);
        r.str(*auth, path + ".auth", "password", u.password, true);
        m.auth = u;
    }
    r.str(obj, path, "from", m.from, true);
    r.strings(obj, path, "to", m.to, true);
    r.str(obj, path, "subject", m.subject);
    r.str(obj, path, "body", m.body);
    r.str(obj, path, "html", m.html);
    r.integer(obj, path, "pad_to", m.pad_to);
    r.boolean(obj, path, "body_8bitmime", m.body_8bitmime);
    r.str(obj, path, "notify", m.notify);
    if (!m.notify.empty() && !parse_notify(m.notify)) r.fail(path + ".notify", "NOTIFY must be NEVER or a list of SUCCESS, FAILURE, DELAY (RFC 3461 §4.1)");
    r.strings(obj, path, "script", m.script);
}

}  // namespace

const char* effect_type_name(EffectType type) {
    for (const auto& en : k_effects)
        if (en.type == type) return en.name;
    return "host_down";
}

const HostSpec* Scenario::host(std::string_view host_name) const {
    for (const auto& h : hosts)
        if (h.name == host_name) return &h;
    return nullptr;
}

ScenarioLoad parse_scenario(std::string_view json_text) {
    ScenarioLoad result;
    json doc = json::parse(json_text.begin(), json_text.end(), nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) {
        // Find where it broke, for a message with a line number.
        struct Locator : nlohmann::json_sax<json> {
            std::size_t position = 0;
            bool null() override { return true; }
            bool boolean(bool) override { return true; }
            bool number_integer(number_integer_t) override { return true; }
            bool number_unsigned(number_unsigned_t) override { return true; }
            bool number_float(number_float_t, const string_t&) override { return true; }
            bool string(string_t&) override { return true; }
            bool binary(binary_t&) override { return true; }
            bool start_object(std::size_t) override { return true; }
            bool key(string_t&) override { return true; }
            bool end_object() override { return true; }
            bool start_array(std::size_t) override { return true; }
            bool end_array() override { return true; }
            bool parse_error(std::size_t pos, const std::string&, const nlohmann::detail::exception&) override {
                position = pos;
                return false;
            }
        } locator;
        json::sax_parse(json_text.begin(), json_text.end(), &locator, nlohmann::detail::input_format_t::json, false);
        std::size_t line = 1, column = 1;
        for (std::size_t i = 0; i + 1 < locator.position && i < json_text.size(); ++i) {
            if (json_text[i] == '\n') {
                ++line;
                column = 1;
            } else {
                ++column;
            }
        }
        result.error = "not valid JSON (line " + std::to_string(line) + ", column " + std::to_string(column) + ")";
        return result;
    }
    Reader r;
    Scenario s;
    const std::string root = "scenario";
    r.str(doc, root, "name", s.name, true);
    r.str(doc, root, "title", s.title);
    r.str(doc, root, "description", s.description);
    r.integer(doc, root, "seed", s.seed);
    r.integer(doc, root, "end_ms", s.end_ms);
    r.integer(doc, root, "latency_ms", s.latency_ms);
    if (const json* hosts = r.array(doc, root, "hosts", true)) {
        for (std::size_t i = 0; i < hosts->size() && r.ok(); ++i) {
            HostSpec h;
            read_host(r, (*hosts)[i], at(root, "hosts", i), h);
            s.hosts.push_back(std::move(h));
        }
    }
    if (const json* dns = r.array(doc, root, "dns")) {
        for (std::size_t i = 0; i < dns->size() && r.ok(); ++i) {
            DnsRecordSpec rec;
            const std::string p = at(root, "dns", i);
            std::string type;
            r.str((*dns)[i], p, "name", rec.name, true);
            r.str((*dns)[i], p, "type", type, true);
            r.str((*dns)[i], p, "value", rec.value, true);
            r.integer((*dns)[i], p, "preference", rec.preference);
            if (type == "MX") rec.type = DnsType::mx;
            else if (type == "A") rec.type = DnsType::a;
            else if (type == "AAAA") rec.type = DnsType::aaaa;
            else if (type == "TXT") rec.type = DnsType::txt;
            else if (r.ok()) r.fail(p + ".type", "unknown record type \"" + type + "\" (MX, A, AAAA or TXT)");
            if (rec.type == DnsType::aaaa && r.ok()) {
                const auto ip = parse_ip_address(rec.value);
                if (!ip || !ip->v6) r.fail(p + ".value", "an AAAA record needs an IPv6 address, not \"" + rec.value + "\"");
            }
            s.dns.push_back(std::move(rec));
        }
    }
    if (const json* messages = r.array(doc, root, "messages", true)) {
        for (std::size_t i = 0; i < messages->size() && r.ok(); ++i) {
            MessageSpec m;
            read_message(r, (*messages)[i], at(root, "messages", i), m);
            s.messages.push_back(std::move(m));
        }
    }
    if (const json* switches = r.array(doc, root, "switches")) {
        for (std::size_t i = 0; i < switches->size() && r.ok(); ++i) {
            SwitchSpec sw;
            const std::string p = at(root, "switches", i);
            r.str((*switches)[i], p, "name", sw.name, true);
            r.str((*switches)[i], p, "label", sw.label, true);
            r.boolean((*switches)[i], p, "on", sw.on);
            if (const json* effects = r.array((*switches)[i], p, "effects", true)) {
                for (std::size_t j = 0; j < effects->size() && r.ok(); ++j) {
                    EffectSpec e;
                    read_effect(r, (*effects)[j], at(p, "effects", j), e);
                    sw.effects.push_back(std::move(e));
                }
            }
            s.switches.push_back(std::move(sw));
        }
    }
    if (const json* notes = r.array(doc, root, "notes")) {
        for (std::size_t i = 0; i < notes->size() && r.ok(); ++i) {
            NoteSpec n;
            const std::string p = at(root, "notes", i);
            r.str((*notes)[i], p, "phase", n.phase, true);
            bool known = n.phase == "outcome";  // shown at the last step: what happened and why
            for (const char* t : {"intro", "submission", "auth", "tls", "dns", "relay", "delivery", "queue", "bounce"})
                known = known || n.phase == t;
            if (!known && r.ok())
                r.fail(p + ".phase", "unknown phase \"" + n.phase +
                                         "\" (intro, submission, auth, tls, dns, relay, delivery, queue, bounce, outcome)");
            r.str((*notes)[i], p, "text", n.text, true);
            r.str((*notes)[i], p, "rfc", n.rfc);
            s.notes.push_back(std::move(n));
        }
    }
    if (const json* expect = r.array(doc, root, "expect")) {
        for (std::size_t i = 0; i < expect->size() && r.ok(); ++i) {
            ExpectSpec e;
            const std::string p = at(root, "expect", i);
            r.str((*expect)[i], p, "id", e.id, true);
            r.str((*expect)[i], p, "status", e.status, true);
            r.integer((*expect)[i], p, "code", e.code);
            r.str((*expect)[i], p, "enhanced", e.enhanced);
            r.str((*expect)[i], p, "final_host", e.final_host);
            r.integer((*expect)[i], p, "min_deferrals", e.min_deferrals);
            r.str((*expect)[i], p, "mailbox", e.mailbox);
            std::size_t n = 0;
            if (r.field((*expect)[i], p, "mailbox_messages", false)) {
                r.integer((*expect)[i], p, "mailbox_messages", n);
                e.mailbox_messages = n;
            }
            s.expect.push_back(std::move(e));
        }
    }
    if (r.ok()) r.check_unknown_keys();
    // Cross-references.
    for (std::size_t i = 0; i < s.messages.size() && r.ok(); ++i) {
        const auto& m = s.messages[i];
        if (!s.host(m.client)) r.fail(at(root, "messages", i) + ".client", "no host named \"" + m.client + "\"");
        else if (!s.host(m.server)) r.fail(at(root, "messages", i) + ".server", "no host named \"" + m.server + "\"");
    }
    for (std::size_t i = 0; i < s.hosts.size() && r.ok(); ++i)
        for (const auto& route : s.hosts[i].routes)
            if (!s.host(route.via)) r.fail(at(root, "hosts", i) + ".routes", "no host named \"" + route.via + "\"");
    if (!r.ok()) {
        result.error = r.error;
        return result;
    }
    result.scenario = std::move(s);
    return result;
}

}  // namespace relaylab::sim
