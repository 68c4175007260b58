#include "engine/explain.hpp"
#include "sim/report.hpp"
#include "web/ui/panels.hpp"
#include "web/ui/widgets.hpp"

namespace relaylab::ui {

Commands NotesPanel::draw(const Model& model) {
    Commands out;
    if (!model.loaded()) return out;
    const auto& sim = model.sim();
    const auto& sc = sim.scenario();
    const Palette& pal = palette(model.prefs().high_contrast);

    // On a projector the current step comes first (what the class reads now), then the
    // teacher's note; the scenario's title and description fold away.
    const bool presenting = model.presenting();
    if (presenting) {
        ImGui::SetNextItemOpen(false, ImGuiCond_Appearing);
        if (ImGui::CollapsingHeader(sc.title.c_str())) coloured_wrapped(pal.dim_text, sc.description);
    } else {
        if (fonts().big) ImGui::PushFont(fonts().big);
        ImGui::TextWrapped("%s", sc.title.c_str());
        if (fonts().big) ImGui::PopFont();
        coloured_wrapped(pal.dim_text, sc.description);
        ImGui::Separator();
    }

    const sim::Step* cur = sim.current();
    step_min = step_max = ImVec2(0, 0);
    auto teacher_note = [&] {
        const char* topic = sim::topic_name(cur ? cur->topic : sim::Topic::intro);
        if (const sim::NoteSpec* note = sim.note()) {
            ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.hop), "Teacher's note · %s", topic);
            ImGui::TextWrapped("%s", note->text.c_str());
            if (!note->rfc.empty()) coloured_wrapped(pal.dim_text, note->rfc);
        } else {
            ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.hop), "Phase · %s", topic);
        }
    };
    if (!presenting) teacher_note();
    if (cur) {
        if (!presenting) ImGui::Separator();
        ImGui::BeginGroup();
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.dim_text), "This step (%s, %s):",
                           sim::format_sim_time(cur->event.t_ms).c_str(), trace_phase_name(cur->event.phase));
        coloured_wrapped(event_colour(cur->event, pal), shown_line(cur->event, model));
        const Explanation ex = explain_event(cur->event);
        if (!ex.text.empty()) ImGui::TextWrapped("%s", ex.text.c_str());
        if (!ex.rfc.empty()) coloured_wrapped(pal.dim_text, ex.rfc);
        ImGui::EndGroup();
        step_min = ImGui::GetItemRectMin();
        step_max = ImGui::GetItemRectMax();
        for (auto& c : glossary_chips(ex.text)) out.push_back(std::move(c));  // words → the glossary
        // The credentials of an AUTH line, decoded only when asked (the simulator keeps them).
        if (const std::string secret = secret_reveal(cur->event); !secret.empty()) {
            ImGui::Checkbox("Show the credentials", &show_secret_);
            if (show_secret_) coloured_wrapped(pal.warn, secret);
        }
    }
    if (presenting) {
        ImGui::Separator();
        teacher_note();
    }
    return out;
}

}  // namespace relaylab::ui
