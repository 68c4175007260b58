#include "sim/step_json.hpp"

#include "engine/explain.hpp"
#include "sim/report.hpp"

namespace relaylab::sim {

namespace {

// {"name", "type", "status", "mx": [{"preference", "host"}], "addresses": [...]}, or null.
Json dns_json(const TraceDns& d) {
    if (d.empty()) return Json(nullptr);
    Json mx = Json::array();
    for (const MxRecord& r : d.mx) mx.push_back(Json{{"preference", r.preference}, {"host", r.exchange}});
    Json addresses = Json::array();
    for (const auto& a : d.addresses) addresses.push_back(a);
    return Json{{"name", d.name},
                {"type", dns_question_type_name(d.type)},
                {"status", trace_dns_status_name(d.status)},
                {"mx", std::move(mx)},
                {"addresses", std::move(addresses)}};
}

// {"host", "address", "port"}, or null.
Json connect_json(const TraceConnect& c) {
    if (c.empty()) return Json(nullptr);
    return Json{{"host", c.host}, {"address", c.address}, {"port", c.port}};
}

}  // namespace

Json step_json(const Step& s) {
    const TraceEvent& e = s.event;
    const Explanation ex = explain_event(e);
    // Keys are always present (a reader never tests for them): fields that do not apply to
    // the event's kind hold their empty value ("", 0, "none", null).
    Json secret = e.has_secret() ? Json{{"begin", e.secret_begin}, {"end", e.secret_end}} : Json(nullptr);
    return Json{{"t_ms", e.t_ms},
                {"time", format_sim_time(e.t_ms)},
                {"kind", trace_kind_name(e.kind)},
                {"phase", trace_phase_name(e.phase)},
                {"topic", topic_name(s.topic)},
                {"from", e.from},
                {"to", e.to},
                {"text", e.text},
                {"verb", e.kind == TraceKind::command ? verb_name(e.verb) : ""},
                {"code", e.code},
                {"enhanced", e.enhanced},
                {"reply_class", reply_class_name(e.reply_class)},
                {"reply_line", e.reply_line},
                {"outcome", trace_outcome_name(e.outcome)},
                {"note", trace_note_name(e.note)},
                {"state_before", e.state_before},
                {"state_after", e.state_after},
                {"wire", e.wire},
                {"secret", std::move(secret)},
                {"dns", dns_json(e.dns)},
                {"connect", connect_json(e.connect)},
                {"explain", ex.text},
                {"rfc", ex.rfc},
                {"message", s.message},
                {"connection", s.connection}};
}

Json message_json(const MessageStatus& m) {
    Json to = Json::array();
    for (const auto& t : m.to) to.push_back(t);
    // An unfinished message has no final reply yet: code 0 and empty enhanced code.
    return Json{{"id", m.id},
                {"from", m.from},
                {"to", to},
                {"status", message_state_name(m.status)},
                {"code", m.code},
                {"enhanced", m.enhanced},
                {"final_host", m.final_host},
                {"deferrals", m.deferrals}};
}

Json messages_json_array(const std::vector<MessageStatus>& messages) {
    Json out = Json::array();
    for (const auto& m : messages) out.push_back(message_json(m));
    return out;
}

}  // namespace relaylab::sim

// ---- reading a step object back ---------------------------------------------------------

namespace relaylab::sim {

namespace {

// The name tables are the writers' (trace_kind_name, ...): a value's name is looked up by
// trying every value of the enum's range, so no second table can drift from the first.
// Values past the last one map to a default name that an earlier value already has, so the
// first match is always the real one.
template <class E, class Name>
std::optional<E> enum_named(std::string_view name, Name name_of) {
    for (int i = 0; i < 256; ++i)
        if (name == name_of(static_cast<E>(i))) return static_cast<E>(i);
    return std::nullopt;
}

class StepReader {
public:
    // `prefix` names the object read in errors ("dns." for the keys of "dns").
    explicit StepReader(const Json& j, std::string prefix = "") : j_(j), prefix_(std::move(prefix)) {}
    std::string error;

    void str(const char* key, std::string& out) {
        auto it = j_.find(key);
        if (it == j_.end() || it->is_null()) return;
        if (it->is_string()) out = it->get<std::string>();
        else fail(key, "expected a string");
    }
    template <class Int>
    void integer(const char* key, Int& out) {
        auto it = j_.find(key);
        if (it == j_.end() || it->is_null()) return;
        if (it->is_number_integer()) out = it->get<Int>();
        else fail(key, "expected an integer");
    }
    template <class E, class Name>
    void named(const char* key, E& out, Name name_of) {
        std::string name;
        str(key, name);
        if (name.empty()) return;
        if (auto v = enum_named<E>(name, name_of)) out = *v;
        else fail(key, "unknown value \"" + name + "\"");
    }
    bool has(const char* key) const { return j_.contains(key) && !j_.at(key).is_null(); }
    const Json& at(const char* key) const { return j_.at(key); }
    void fail(const std::string& key, const std::string& what) {
        if (error.empty()) error = prefix_ + key + ": " + what;
    }

private:
    const Json& j_;
    std::string prefix_;
};

// The "dns" object (null or absent: no DNS step). Errors go to `out`.
void read_dns(StepReader& outer, TraceDns& d) {
    if (!outer.has("dns")) return;
    const Json& j = outer.at("dns");
    if (!j.is_object()) return outer.fail("dns", "expected null or an object");
    StepReader r(j, "dns.");
    r.str("name", d.name);
    r.named("type", d.type, dns_question_type_name);
    r.named("status", d.status, trace_dns_status_name);
    if (d.type == DnsQuestionType::none) r.fail("type", "expected MX, A or AAAA");
    if (r.has("mx")) {
        const Json& mx = r.at("mx");
        if (!mx.is_array()) r.fail("mx", "expected an array");
        else
            for (const Json& item : mx) {
                if (!item.is_object() || !item.contains("preference") || !item["preference"].is_number_unsigned() ||
                    item["preference"].get<std::uint64_t>() > 65535 || !item.contains("host") ||
                    !item["host"].is_string()) {
                    r.fail("mx", "expected [{\"preference\": 0..65535, \"host\": \"...\"}]");
                    break;
                }
                d.mx.push_back(MxRecord{item["preference"].get<std::uint16_t>(), item["host"].get<std::string>()});
            }
    }
    if (r.has("addresses")) {
        const Json& list = r.at("addresses");
        if (!list.is_array()) r.fail("addresses", "expected an array of strings");
        else
            for (const Json& a : list) {
                if (!a.is_string()) {
                    r.fail("addresses", "expected an array of strings");
                    break;
                }
                d.addresses.push_back(a.get<std::string>());
            }
    }
    if (!r.error.empty()) outer.error = outer.error.empty() ? r.error : outer.error;
}

// The "connect" object (null or absent: not a connect step's attempt).
void read_connect(StepReader& outer, TraceConnect& c) {
    if (!outer.has("connect")) return;
    const Json& j = outer.at("connect");
    if (!j.is_object()) return outer.fail("connect", "expected null or an object");
    StepReader r(j, "connect.");
    r.str("host", c.host);
    r.str("address", c.address);
    r.integer("port", c.port);
    if (c.port < 0 || c.port > 65535) r.fail("port", "expected 0..65535");
    if (!r.error.empty()) outer.error = outer.error.empty() ? r.error : outer.error;
}

}  // namespace

StepRead read_step_json(const Json& j) {
    StepRead out;
    if (!j.is_object()) {
        out.error = "expected a JSON object";
        return out;
    }
    StepReader r(j);
    StepRecord rec;
    TraceEvent& e = rec.step.event;
    r.integer("t_ms", e.t_ms);
    r.named("kind", e.kind, trace_kind_name);
    r.named("phase", e.phase, trace_phase_name);
    r.named("topic", rec.step.topic, topic_name);
    r.str("from", e.from);
    r.str("to", e.to);
    r.str("text", e.text);
    r.named("verb", e.verb, verb_name);
    r.integer("code", e.code);
    r.str("enhanced", e.enhanced);
    r.named("reply_class", e.reply_class, reply_class_name);
    r.integer("reply_line", e.reply_line);
    r.named("outcome", e.outcome, trace_outcome_name);
    r.named("note", e.note, trace_note_name);
    r.str("state_before", e.state_before);
    r.str("state_after", e.state_after);
    r.str("wire", e.wire);
    if (r.has("secret")) {
        const Json& s = r.at("secret");
        if (s.is_object() && s.contains("begin") && s.contains("end") && s["begin"].is_number_unsigned() &&
            s["end"].is_number_unsigned() && s["begin"].get<std::size_t>() <= s["end"].get<std::size_t>() &&
            s["end"].get<std::size_t>() <= e.wire.size()) {
            e.secret_begin = s["begin"].get<std::size_t>();
            e.secret_end = s["end"].get<std::size_t>();
        } else {
            r.fail("secret", "expected null or {\"begin\": n, \"end\": m} within wire");
        }
    }
    read_dns(r, e.dns);
    read_connect(r, e.connect);
    std::string explain, rfc;
    r.str("explain", explain);
    r.str("rfc", rfc);
    r.str("message", rec.step.message);
    r.integer("connection", rec.step.connection);
    r.str("session", rec.session);
    r.str("role", rec.role);
    r.str("peer", rec.peer);
    r.str("queue_id", rec.queue_id);
    if (r.has("at")) {
        std::int64_t at = 0;
        r.integer("at", at);
        rec.at_ms = at;
    }
    if (r.has("next_attempt_at")) {
        std::int64_t next = 0;
        r.integer("next_attempt_at", next);
        rec.next_attempt_at_ms = next;
    }
    if (!r.error.empty()) {
        out.error = r.error;
        return out;
    }
    // A session's line carries no prose of its own: explain_event() computes it. Keep the
    // JSON's prose only where it says something else (a step the simulator composed).
    const Explanation computed = explain_event(e);
    if (computed.text != explain || computed.rfc != rfc) {
        e.explain = explain;
        e.rfc = rfc;
    }
    out.record = std::move(rec);
    return out;
}

StepRead read_step_json_text(std::string_view text) {
    Json j = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) {
        StepRead out;
        out.error = "not valid JSON";
        return out;
    }
    return read_step_json(j);
}

}  // namespace relaylab::sim
