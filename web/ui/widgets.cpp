#include "web/ui/widgets.hpp"

#include "sim/report.hpp"

#include <algorithm>
#include <cctype>

namespace relaylab::ui {

int reply_class(const TraceEvent& e) {
    if (e.kind != TraceKind::reply || e.text.empty()) return 0;
    const char c = e.text[0];
    return (c >= '2' && c <= '5') ? c - '0' : 0;
}

std::string event_line(const TraceEvent& e) {
    if (e.kind == TraceKind::command) return "C: " + e.text;
    if (e.kind == TraceKind::reply) return "S: " + e.text;
    return e.text;
}

ImU32 event_colour(const TraceEvent& e, const Palette& p) {
    switch (e.kind) {
        case TraceKind::command: return p.command;
        case TraceKind::reply:
            switch (reply_class(e)) {
                case 2: return p.reply_2xx;
                case 3: return p.reply_3xx;
                case 4: return p.reply_4xx;
                case 5: return p.reply_5xx;
                default: return p.other;
            }
        case TraceKind::dns_query:
        case TraceKind::dns_answer: return p.dns;
        case TraceKind::tls: return p.tls;
        case TraceKind::delivery: {
            const auto& t = e.text;
            if (t.find("bounce") != std::string::npos || t.find("failed") != std::string::npos) return p.reply_5xx;
            if (t.find("defer") != std::string::npos) return p.reply_4xx;
            return p.reply_2xx;
        }
        default: return p.other;
    }
}

std::vector<std::string> host_order(const sim::Simulation& sim) {
    std::vector<std::string> out;
    auto add = [&](const std::string& name) {
        if (!name.empty() && std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
    };
    const auto& sc = sim.scenario();
    for (const auto& h : sc.hosts)
        if (h.kind == sim::HostKind::client) add(h.name);
    for (const auto& h : sc.hosts)
        if (h.kind == sim::HostKind::relay) add(h.name);
    bool dns = !sc.dns.empty();
    for (const auto& s : sim.timeline().steps())
        dns = dns || s.event.from == "dns" || s.event.to == "dns";
    if (dns) add("dns");
    for (const auto& h : sc.hosts)
        if (h.kind == sim::HostKind::mx) add(h.name);
    for (const auto& s : sim.timeline().steps()) {
        add(s.event.from);
        add(s.event.to);
    }
    return out;
}

std::vector<HostMark> host_marks(const sim::Simulation& sim, const std::string& host) {
    std::vector<HostMark> out;
    const auto& sc = sim.scenario();
    for (const auto& sw : sc.switches) {
        if (!sim.switch_on(sw.name)) continue;
        for (const auto& e : sw.effects) {
            std::string target = e.host;
            if (!e.message.empty())
                for (const auto& m : sc.messages)
                    if (m.id == e.message) target = m.client;
            if (e.type == sim::EffectType::dns) target = "dns";
            if (target != host) continue;
            using T = sim::EffectType;
            switch (e.type) {
                case T::host_down: out.push_back({"DOWN: refuses connections", true}); break;
                case T::host_silent: out.push_back({"SILENT: connections time out", true}); break;
                case T::dns: {
                    std::string t = e.name + " → " + (e.result.empty() ? "fails" : e.result);
                    if (e.until_ms >= 0) t += " until " + sim::format_sim_time(e.until_ms);
                    out.push_back({t, true});
                    break;
                }
                case T::greylisting: out.push_back({"greylisting new senders", false}); break;
                case T::mailbox_full: out.push_back({"mailbox full", true}); break;
                case T::rate_limit: out.push_back({"rate limit on first contact", false}); break;
                case T::size_limit: out.push_back({"accepts at most " + std::to_string(e.bytes) + " bytes", false}); break;
                case T::tls: out.push_back({"TLS broken: " + (e.result.empty() ? std::string("handshake fails") : e.result), true}); break;
                case T::tls_required: out.push_back({"requires TLS for " + e.domain, false}); break;
                case T::wrong_password: out.push_back({"uses a wrong password", true}); break;
                case T::skip_starttls: out.push_back({"skips STARTTLS", true}); break;
                case T::skip_auth: out.push_back({"skips AUTH", true}); break;
            }
        }
    }
    return out;
}

void wrapped_tooltip(const std::string& text, const std::string& rfc) {
    if (text.empty() && rfc.empty()) return;
    ImGui::BeginTooltip();
    ImGui::PushTextWrapPos(ImGui::GetFontSize() * 30.0f);
    if (!text.empty()) ImGui::TextUnformatted(text.c_str());
    if (!rfc.empty()) ImGui::TextDisabled("%s", rfc.c_str());
    ImGui::PopTextWrapPos();
    ImGui::EndTooltip();
}

void coloured_wrapped(ImU32 colour, const std::string& text) {
    ImGui::PushStyleColor(ImGuiCol_Text, colour);
    ImGui::TextWrapped("%s", text.c_str());
    ImGui::PopStyleColor();
}

}  // namespace relaylab::ui
