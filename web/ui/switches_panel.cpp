#include "sim/scenario.hpp"
#include "web/ui/panels.hpp"
#include "web/ui/widgets.hpp"

namespace relaylab::ui {

namespace {
// Words for a newcomer (sim::effect_type_name gives the scenario files' JSON names).
const char* effect_name(sim::EffectType t) {
    using T = sim::EffectType;
    switch (t) {
        case T::host_down: return "host down";
        case T::host_silent: return "host silent";
        case T::dns: return "DNS failure";
        case T::greylisting: return "greylisting";
        case T::mailbox_full: return "mailbox full";
        case T::rate_limit: return "rate limit";
        case T::size_limit: return "size limit";
        case T::tls: return "TLS failure";
        case T::tls_required: return "TLS required";
        case T::wrong_password: return "wrong password";
        case T::skip_starttls: return "no STARTTLS";
        case T::skip_auth: return "no AUTH";
    }
    return "effect";
}
}  // namespace

Commands SwitchesPanel::draw(const Model& model) {
    Commands out;
    if (!model.loaded()) return out;
    const auto& sim = model.sim();
    const auto& switches = sim.scenario().switches;
    if (switches.empty()) {
        ImGui::TextDisabled("This scenario has no failure switches.");
        return out;
    }
    std::size_t hidden = 0;
    for (std::size_t i = 0; i < switches.size(); ++i) {
        const auto& sw = switches[i];
        if (!model.switch_offered(i)) {
            ++hidden;
            continue;
        }
        bool on = sim.switch_on(sw.name);
        ImGui::PushID(sw.name.c_str());
        if (ImGui::Checkbox(sw.label.empty() ? sw.name.c_str() : sw.label.c_str(), &on))
            out.push_back(cmd::SetSwitch{sw.name, on});
        if (ImGui::IsItemHovered()) {
            std::string tip = "Switch \"" + sw.name + "\" (" + (sw.on ? "on" : "off") +
                              " by default). Flipping it re-runs the world with the same seed; you stay at this step.";
            for (const auto& e : sw.effects) {
                tip += "\n• ";
                tip += effect_name(e.type);
                if (!e.host.empty()) tip += " " + e.host;
                if (!e.name.empty()) tip += " " + e.name;
                if (!e.result.empty()) tip += " " + e.result;
                if (!e.message.empty()) tip += " (message " + e.message + ")";
            }
            wrapped_tooltip(tip);
        }
        ImGui::PopID();
    }
    if (hidden > 0) {
        ImGui::TextDisabled("(%zu switch%s hidden: %s nothing in this scenario)", hidden, hidden == 1 ? "" : "es",
                            hidden == 1 ? "it changes" : "they change");
    }
    return out;
}

}  // namespace relaylab::ui
