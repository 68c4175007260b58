#include "web/ui/widgets.hpp"

#include "web/ui/jumps.hpp"
#include "web/ui/panels.hpp"

#include "engine/base64.hpp"
#include "engine/explain.hpp"
#include "sim/report.hpp"

#include <algorithm>
#include <cctype>

namespace relaylab::ui {

std::string event_line(const TraceEvent& e) {
    if (e.kind == TraceKind::command) return "C: " + trace_text_hiding_secret(e);
    if (e.kind == TraceKind::reply) return "S: " + e.text;
    return e.text;
}

ImU32 outcome_colour(TraceOutcome outcome, ImU32 otherwise, const Palette& p) {
    switch (outcome) {
        case TraceOutcome::ok:
        case TraceOutcome::delivered:
        case TraceOutcome::captured:
        case TraceOutcome::relayed: return p.reply_2xx;
        case TraceOutcome::deferred:
        case TraceOutcome::timed_out: return p.reply_4xx;
        case TraceOutcome::bounced:
        case TraceOutcome::rejected:
        case TraceOutcome::refused:
        case TraceOutcome::failed: return p.reply_5xx;
        case TraceOutcome::none: break;
    }
    return otherwise;
}

ImU32 event_colour(const TraceEvent& e, const Palette& p) {
    switch (e.kind) {
        case TraceKind::command: return p.command;
        case TraceKind::reply:
            switch (e.reply_class) {
                case ReplyClass::positive: return p.reply_2xx;
                case ReplyClass::intermediate: return p.reply_3xx;
                case ReplyClass::transient: return p.reply_4xx;
                case ReplyClass::permanent: return p.reply_5xx;
                case ReplyClass::none: return p.other;
            }
            return p.other;
        case TraceKind::dns_query:
        case TraceKind::dns_answer: return outcome_colour(e.outcome == TraceOutcome::ok ? TraceOutcome::none : e.outcome, p.dns, p);
        case TraceKind::tls: return outcome_colour(e.outcome == TraceOutcome::ok ? TraceOutcome::none : e.outcome, p.tls, p);
        default: return outcome_colour(e.outcome, p.other, p);
    }
}

ImU32 message_state_colour(sim::MessageState state, const Palette& p) {
    switch (state) {
        case sim::MessageState::delivered:
        case sim::MessageState::relayed:
        case sim::MessageState::captured: return p.ok;
        case sim::MessageState::bounced:
        case sim::MessageState::rejected: return p.down;
        case sim::MessageState::deferred: return p.warn;
        case sim::MessageState::pending: break;
    }
    return p.dim_text;
}

std::string secret_reveal(const TraceEvent& e) {
    if (!e.has_secret() || e.secret_end > e.wire.size()) return {};
    const std::string secret = e.wire.substr(e.secret_begin, e.secret_end - e.secret_begin);
    const auto decoded = base64_decode(secret);
    if (!decoded) return {};  // masked at the source ("<credentials hidden>" is no base64)
    // SASL PLAIN separates authzid, user and password with NUL (RFC 4616 §2).
    std::string shown;
    for (char c : *decoded) shown += c == '\0' ? std::string("\\0") : std::string(1, c);
    return "Crossed the wire as base64, which anyone can decode:\n" + secret + "\n= " + trace_printable(shown);
}

void explanation_tooltip(const TraceEvent& e) {
    const Explanation ex = explain_event(e);
    std::string text = event_line(e) + "\n\n" + ex.text;
    if (const std::string s = secret_reveal(e); !s.empty()) text += "\n\n" + s;
    wrapped_tooltip(text, ex.rfc);
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
        if (h.kind == sim::HostKind::mx || h.kind == sim::HostKind::capture) add(h.name);
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
                case T::host_down: out.push_back({"DOWN: refuses connections", true, TraceOutcome::refused}); break;
                case T::host_silent:
                    out.push_back({"SILENT: connections time out", true, TraceOutcome::timed_out});
                    break;
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

namespace relaylab::ui {

void record_scroll(ViewReport& report) {
    report.scroll_y = ImGui::GetScrollY();
    report.scroll_max = ImGui::GetScrollMaxY();
    report.line_h = ImGui::GetTextLineHeightWithSpacing();
    report.visible_h = ImGui::GetWindowHeight();
}

}  // namespace relaylab::ui

namespace relaylab::ui {

std::vector<std::size_t> shown_steps(const Model& model) {
    std::vector<std::size_t> out;
    if (!model.loaded()) return out;
    const auto& steps = model.sim().timeline().steps();
    const auto& p = model.prefs();
    const std::size_t end = p.hide_future ? std::min(model.step(), steps.size()) : steps.size();
    out.reserve(end);
    for (std::size_t i = 0; i < end; ++i)
        if (!(p.hide_capabilities || model.hides_details()) || !is_capability_line(steps[i].event)) out.push_back(i);
    return out;
}

}  // namespace relaylab::ui

namespace relaylab::ui {

const char* event_mark(const TraceEvent& e) {
    switch (e.reply_class) {
        case ReplyClass::positive: return "✓ ";
        case ReplyClass::intermediate: return "→ ";
        case ReplyClass::transient: return "… ";
        case ReplyClass::permanent: return "✗ ";
        case ReplyClass::none: break;
    }
    switch (e.outcome) {
        case TraceOutcome::ok:
        case TraceOutcome::delivered:
        case TraceOutcome::captured:
        case TraceOutcome::relayed: return "✓ ";
        case TraceOutcome::deferred: return "… ";
        case TraceOutcome::bounced:
        case TraceOutcome::rejected:
        case TraceOutcome::refused:
        case TraceOutcome::timed_out:
        case TraceOutcome::failed: return "✗ ";
        case TraceOutcome::none: break;
    }
    return "";
}

const char* message_state_mark(sim::MessageState state) {
    using S = sim::MessageState;
    switch (state) {
        case S::delivered: return "✓ ";
        case S::relayed: return "→ ";
        case S::captured: return "↓ ";  // into an inbox, no further
        case S::deferred: return "… ";
        case S::bounced:
        case S::rejected: return "✗ ";
        case S::pending: break;
    }
    return "· ";
}

const char* reply_code_mark(int code) {
    TraceEvent e;
    e.reply_class = reply_class_of(code);
    return event_mark(e);
}

std::string marked_line(const TraceEvent& e) { return std::string(event_mark(e)) + event_line(e); }

}  // namespace relaylab::ui
