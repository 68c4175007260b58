#include "native/chaos_api.hpp"

#include <nlohmann/json.hpp>

namespace relaylab::native {

using nlohmann::json;

namespace {

json trigger_json(const ChaosTrigger& t) { return json{{"ErrorCode", t.error_code}, {"Probability", t.probability}}; }

bool integer_field(const json& obj, const char* key, const std::string& where, std::int64_t lo, std::int64_t hi,
                   std::int64_t& out, std::string& error) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return true;
    if (!it->is_number_integer()) {
        error = where + "." + key + " must be an integer";
        return false;
    }
    const std::int64_t v = it->get<std::int64_t>();
    if (v < lo || v > hi) {
        error = where + "." + key + " must be between " + std::to_string(lo) + " and " + std::to_string(hi);
        return false;
    }
    out = v;
    return true;
}

bool object_or_absent(const json& obj, const char* key, const std::string& where, std::string& error) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null() || it->is_object()) return true;
    error = where + key + " must be an object";
    return false;
}

// Mailpit: ErrorCode 0 or absent means the trigger's default code.
bool read_trigger(const json& root, const char* key, ChaosTrigger& t, std::string& error) {
    if (!object_or_absent(root, key, "", error)) return false;
    auto it = root.find(key);
    if (it == root.end() || it->is_null()) return true;
    std::int64_t code = 0, probability = 0;
    if (!integer_field(*it, "ErrorCode", key, 0, k_chaos_max_code, code, error)) return false;
    if (!integer_field(*it, "Probability", key, 0, 100, probability, error)) return false;
    if (code != 0) t.error_code = static_cast<int>(code);
    t.probability = static_cast<int>(probability);
    if (const char* problem = chaos_trigger_problem(t)) {
        error = std::string(key) + ": " + problem;
        return false;
    }
    return true;
}

bool only_keys(const json& obj, std::initializer_list<const char*> keys, const std::string& where, std::string& error) {
    for (auto it = obj.begin(); it != obj.end(); ++it) {
        bool known = false;
        for (const char* k : keys) known = known || it.key() == k;
        if (!known) {
            error = "unknown field " + where + it.key();
            return false;
        }
    }
    return true;
}

}  // namespace

std::string chaos_json(const ChaosSettings& s) {
    json j{{"Sender", trigger_json(s.sender)},
           {"Recipient", trigger_json(s.recipient)},
           {"Authentication", trigger_json(s.authentication)},
           {"Relaylab",
            {{"Greylist", {{"Enabled", s.greylist}, {"DelayMs", s.greylist_delay_ms}}},
             {"DeferEvery", s.defer_every},
             {"SlowRepliesMs", s.slow_reply_ms},
             {"DropAfterData", {{"Probability", s.drop_after_data}}}}}};
    return j.dump() + "\n";
}

std::optional<ChaosSettings> parse_chaos_json(std::string_view body, std::string& error) {
    json root = json::parse(body.begin(), body.end(), nullptr, false);
    if (root.is_discarded()) {
        error = "the body is not JSON";
        return std::nullopt;
    }
    if (root.is_null()) root = json::object();  // an empty PUT resets, as "{}" does
    if (!root.is_object()) {
        error = "the body must be a JSON object";
        return std::nullopt;
    }
    if (auto w = root.find("Triggers"); w != root.end() && w->is_object()) root = *w;
    ChaosSettings s;
    if (!read_trigger(root, "Sender", s.sender, error) || !read_trigger(root, "Recipient", s.recipient, error) ||
        !read_trigger(root, "Authentication", s.authentication, error) ||
        !object_or_absent(root, "Relaylab", "", error))
        return std::nullopt;
    auto r = root.find("Relaylab");
    if (r == root.end() || r->is_null()) return s;
    if (!only_keys(*r, {"Greylist", "DeferEvery", "SlowRepliesMs", "DropAfterData"}, "Relaylab.", error) ||
        !object_or_absent(*r, "Greylist", "Relaylab.", error) || !object_or_absent(*r, "DropAfterData", "Relaylab.", error))
        return std::nullopt;
    if (auto g = r->find("Greylist"); g != r->end() && g->is_object()) {
        if (!only_keys(*g, {"Enabled", "DelayMs"}, "Relaylab.Greylist.", error)) return std::nullopt;
        if (auto e = g->find("Enabled"); e != g->end() && !e->is_null()) {
            if (!e->is_boolean()) {
                error = "Relaylab.Greylist.Enabled must be true or false";
                return std::nullopt;
            }
            s.greylist = e->get<bool>();
        }
        if (!integer_field(*g, "DelayMs", "Relaylab.Greylist", 0, k_chaos_max_delay_ms, s.greylist_delay_ms, error))
            return std::nullopt;
    }
    std::int64_t every = 0, drop = 0;
    if (!integer_field(*r, "DeferEvery", "Relaylab", 0, 1'000'000, every, error) ||
        !integer_field(*r, "SlowRepliesMs", "Relaylab", 0, k_chaos_max_slow_ms, s.slow_reply_ms, error))
        return std::nullopt;
    if (auto d = r->find("DropAfterData"); d != r->end() && d->is_object()) {
        if (!only_keys(*d, {"Probability"}, "Relaylab.DropAfterData.", error) ||
            !integer_field(*d, "Probability", "Relaylab.DropAfterData", 0, 100, drop, error))
            return std::nullopt;
    }
    s.defer_every = static_cast<std::uint32_t>(every);
    s.drop_after_data = static_cast<int>(drop);
    return s;
}

ApiReply chaos_api(std::string_view method, std::string_view body, ChaosSettings& settings, bool& changed) {
    changed = false;
    if (method == "GET" || method == "HEAD") return ApiReply{200, "application/json", chaos_json(settings)};
    if (method != "PUT") return ApiReply{405, "text/plain; charset=utf-8", "method not allowed (GET or PUT)\n"};
    std::string error;
    auto parsed = parse_chaos_json(body, error);
    if (!parsed) return ApiReply{400, "text/plain; charset=utf-8", error + "\n"};
    settings = *parsed;
    changed = true;
    return ApiReply{200, "application/json", chaos_json(settings)};
}

}  // namespace relaylab::native
