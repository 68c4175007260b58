#include "sim/step_json.hpp"

#include "engine/explain.hpp"
#include "sim/report.hpp"

namespace relaylab::sim {

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
