// The Markdown handout (see the header).
#include "sim/export_text.hpp"

#include "engine/explain.hpp"
#include "sim/report.hpp"

namespace relaylab::sim {

namespace {

// `text` as a Markdown code span: a fence longer than any run of backticks inside it.
std::string code_span(const std::string& text) {
    std::size_t longest = 0, run = 0;
    for (char ch : text) {
        run = ch == '`' ? run + 1 : 0;
        longest = std::max(longest, run);
    }
    const std::string fence(longest + 1, '`');
    const bool pad = !text.empty() && (text.front() == '`' || text.back() == '`');
    return fence + (pad ? " " : "") + text + (pad ? " " : "") + fence;
}

// Prose with Markdown's active characters at line starts and inline escaped.
std::string prose(const std::string& text) {
    std::string out;
    for (char ch : text) {
        if (ch == '*' || ch == '_' || ch == '`' || ch == '<' || ch == '[' || ch == ']' || ch == '|') out += '\\';
        out += ch == '\n' ? ' ' : ch;
    }
    return out;
}

}  // namespace

std::string export_markdown(const Scenario& scenario, std::uint64_t seed, const SwitchOverrides& overrides,
                            const RunResult& run) {
    std::string out = "# " + prose(scenario.title.empty() ? scenario.name : scenario.title) + "\n\n";
    out += "Scenario " + code_span(scenario.name) + ", seed " + std::to_string(seed) + ".";
    std::string on;
    for (const auto& sw : scenario.switches)
        if (switch_on(scenario, overrides, sw.name)) on += (on.empty() ? "" : ", ") + code_span(sw.name);
    out += on.empty() ? " No failure switch on.\n\n" : " Failure switches on: " + on + ".\n\n";
    if (!scenario.description.empty()) out += prose(scenario.description) + "\n\n";
    out += "## Steps\n\n";
    std::int64_t last = 0;
    for (std::size_t i = 0; i < run.steps.size(); ++i) {
        const Step& s = run.steps[i];
        const std::string gap = format_gap(s.event.t_ms - last);
        last = s.event.t_ms;
        if (!gap.empty()) out.append("*").append(prose(gap)).append("*\n\n");
        std::string who = s.event.from;
        if (!s.event.to.empty()) who += " → " + s.event.to;
        const char* prefix = s.event.kind == TraceKind::command ? "C: "
                             : s.event.kind == TraceKind::reply ? "S: "
                                                                : "";
        const std::string number = std::to_string(i + 1) + ". ";
        out += number + format_sim_time(s.event.t_ms) + " · " + (who.empty() ? "" : prose(who) + " · ") +
               code_span(prefix + trace_text_hiding_secret(s.event)) + "\n";
        const Explanation ex = explain_event(s.event);
        if (s.event.phase == TracePhase::intro) continue;  // its explanation is the description above
        if (!ex.text.empty() || !ex.rfc.empty()) {
            out += std::string(number.size(), ' ') + prose(ex.text);  // inside the list item
            if (!ex.rfc.empty()) out += " *(" + prose(ex.rfc) + ")*";
            out += "\n";
        }
    }
    out += "\n## Outcome\n\n";
    for (const auto& n : scenario.notes)
        if (n.phase == "outcome") {
            out += prose(n.text);
            if (!n.rfc.empty()) out += " *(" + prose(n.rfc) + ")*";
            out += "\n\n";
        }
    for (const auto& m : run.messages) {
        std::string to;
        for (const auto& t : m.to) to += (to.empty() ? "" : ", ") + t;
        out += "- " + code_span(m.id) + " " + prose(m.from.empty() ? "<>" : m.from) + " → " + prose(to) + ": **" +
               message_state_name(m.status) + "**";
        if (m.code) out.append(" ").append(std::to_string(m.code));
        if (!m.enhanced.empty()) out += " " + m.enhanced;
        if (!m.final_host.empty()) out += " at " + prose(m.final_host);
        out += "\n";
    }
    return out;
}

}  // namespace relaylab::sim
