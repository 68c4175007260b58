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

    if (fonts().big) ImGui::PushFont(fonts().big);
    ImGui::TextWrapped("%s", sc.title.c_str());
    if (fonts().big) ImGui::PopFont();
    coloured_wrapped(pal.dim_text, sc.description);
    ImGui::Separator();

    const sim::Step* cur = sim.current();
    const std::string phase = cur ? cur->phase : "intro";
    if (const sim::NoteSpec* note = sim.note()) {
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.hop), "Teacher's note · %s", phase.c_str());
        ImGui::TextWrapped("%s", note->text.c_str());
        if (!note->rfc.empty()) coloured_wrapped(pal.dim_text, note->rfc);
    } else {
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.hop), "Phase · %s", phase.c_str());
    }
    if (cur) {
        ImGui::Separator();
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.dim_text), "This step (%s):",
                           sim::format_sim_time(cur->event.t_ms).c_str());
        coloured_wrapped(event_colour(cur->event, pal), event_line(cur->event));
        if (!cur->event.explain.empty()) ImGui::TextWrapped("%s", cur->event.explain.c_str());
        if (!cur->event.rfc.empty()) coloured_wrapped(pal.dim_text, cur->event.rfc);
    }
    return out;
}

}  // namespace relaylab::ui
