#include "sim/report.hpp"

#include <nlohmann/json.hpp>

#include "engine/explain.hpp"
#include "sim/step_json.hpp"

namespace relaylab::sim {

using json = nlohmann::ordered_json;

namespace {

// `value` in decimal, left-padded with zeros to `width` digits.
std::string padded(long long value, std::size_t width) {
    std::string digits = std::to_string(value);
    if (digits.size() < width) digits.insert(0, width - digits.size(), '0');
    return digits;
}

}  // namespace

std::string format_sim_time(std::int64_t t_ms) {
    const long long s = t_ms / 1000, ms = t_ms % 1000;
    std::string out;
    if (s >= 86400) out.append("day ").append(std::to_string(s / 86400 + 1)).append(" ").append(padded((s / 3600) % 24, 2));
    else out = padded(s / 3600, 2);
    out.append(":").append(padded((s / 60) % 60, 2)).append(":").append(padded(s % 60, 2));
    out.append(".").append(padded(ms, 3));
    return out;
}

std::string format_gap(std::int64_t gap_ms) {
    if (gap_ms < 60'000) return {};
    // Short enough for the transcript's time column.
    if (gap_ms < 3'600'000) return "… +" + std::to_string(gap_ms / 60'000) + " min";
    if (gap_ms < 2 * 86'400'000LL) return "… +" + std::to_string(gap_ms / 3'600'000) + " h";
    return "… +" + std::to_string(gap_ms / 86'400'000) + " days";
}

std::string report_json(const Scenario& scenario, std::uint64_t seed, const RunResult& run) {
    json steps = json::array();
    for (const auto& s : run.steps) steps.push_back(step_json(s));
    // Every copy of a message as a host stored it (queue, mailbox), in the order they were
    // made: what the message inspector shows, and what a test compares.
    json copies = json::array();
    for (std::size_t i = 0; i < run.steps.size(); ++i)
        for (const auto& c : run.steps[i].changes)
            if (const auto* add = std::get_if<AddMessageCopy>(&c))
                copies.push_back(json{{"step", i},
                                      {"message", add->copy.message},
                                      {"host", add->copy.host},
                                      {"where", add->copy.where},
                                      {"bounce", add->copy.bounce},
                                      {"content", add->copy.content}});
    json doc{{"scenario", scenario.name},     {"seed", seed}, {"steps", steps}, {"messages", messages_json_array(run.messages)},
             {"copies", copies}};
    return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string report_text(const Scenario& scenario, std::uint64_t seed, const RunResult& run) {
    std::string out = "scenario " + scenario.name + " (seed " + std::to_string(seed) + ")";
    if (!scenario.title.empty()) out += ": " + scenario.title;
    out += "\n\n";
    for (const auto& s : run.steps) {
        out += format_sim_time(s.event.t_ms) + "  ";
        std::string who = s.event.from;
        if (!s.event.to.empty()) who += " -> " + s.event.to;
        const char* prefix = s.event.kind == TraceKind::command ? "C: "
                             : s.event.kind == TraceKind::reply ? "S: "
                                                                : "";
        if (who.size() < 40) who.append(40 - who.size(), ' ');
        out.append(who).append(" ");
        out += prefix + trace_text_hiding_secret(s.event);
        const Explanation ex = explain_event(s.event);
        if (!ex.rfc.empty()) out += "  [" + ex.rfc + "]";
        out += "\n";
    }
    out += "\nmessages:\n";
    for (const auto& m : run.messages) {
        // Appended piece by piece (GCC 12 warns falsely on chains of operator+).
        out.append("  ").append(m.id).append(" ").append(m.from).append(" ->");
        for (const auto& t : m.to) out.append(" ").append(t);
        out.append(": ").append(message_state_name(m.status));
        if (m.code) out.append(" ").append(std::to_string(m.code));
        if (!m.enhanced.empty()) out.append(" ").append(m.enhanced);
        if (!m.final_host.empty()) out.append(" at ").append(m.final_host);
        out.append("\n");
    }
    return out;
}

}  // namespace relaylab::sim
