// The glossary window (sim/glossary.hpp) and the chips that link an explanation's words to it.
#include "sim/glossary.hpp"
#include "web/ui/panels.hpp"
#include "web/ui/widgets.hpp"

namespace relaylab::ui {

ChipReport& glossary_chip_report() {
    static ChipReport report;
    return report;
}

Commands glossary_chips(const std::string& text) {
    Commands out;
    const auto terms = sim::glossary_terms_in(text);
    if (terms.empty()) return out;
    const Palette& pal = palette(false);
    ImGui::PushStyleColor(ImGuiCol_Text, pal.link_active);
    ImGui::TextUnformatted("Glossary:");
    ImGui::PopStyleColor();
    for (const auto& term : terms) {
        const std::string label = term + "##chip";
        const float need = ImGui::CalcTextSize(term.c_str()).x + ImGui::GetStyle().FramePadding.x * 2;
        ImGui::SameLine();
        if (ImGui::GetContentRegionAvail().x < need) ImGui::NewLine();
        if (ImGui::SmallButton(label.c_str())) out.push_back(cmd::OpenGlossary{term});
        // Underlined, like a link: it opens the glossary at this term.
        const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
        ImGui::GetWindowDrawList()->AddLine(ImVec2(a.x + 3, b.y - 2), ImVec2(b.x - 3, b.y - 2), pal.link_active);
        if (ImGui::IsItemHovered()) {
            if (const auto* t = sim::find_glossary_term(term)) wrapped_tooltip(t->text, t->rfc);
        }
        auto& report = glossary_chip_report();
        if (!report.shown) report = ChipReport{a, b, true, term};
    }
    return out;
}

Commands GlossaryPanel::draw(const Model& model, ImVec2 pos, ImVec2 size) {
    Commands out;
    if (!model.glossary_open()) return out;
    const Palette& pal = palette(model.prefs().high_contrast);
    ImGui::SetNextWindowPos(pos, ImGuiCond_Appearing);
    ImGui::SetNextWindowSize(size, ImGuiCond_Appearing);
    const bool jump = model.glossary_term() != shown_term_ || !was_open_;
    if (jump) ImGui::SetNextWindowFocus();
    bool open = true;
    if (ImGui::Begin("Glossary###glossary", &open, ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoCollapse)) {
        for (const auto& t : sim::glossary()) {
            const bool selected = model.glossary_term() == t.term;
            if (selected) {
                const ImVec2 a = ImGui::GetCursorScreenPos();
                ImGui::GetWindowDrawList()->AddRectFilled(
                    a, ImVec2(a.x + ImGui::GetContentRegionAvail().x, a.y + ImGui::GetTextLineHeightWithSpacing()), pal.current_row);
                if (jump) ImGui::SetScrollHereY(0.1f);
            }
            ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(selected ? pal.hop : pal.link_active), "%s", t.term);
            ImGui::TextWrapped("%s", t.text);
            if (*t.rfc) coloured_wrapped(pal.dim_text, t.rfc);
            ImGui::Spacing();
        }
        rect_min = ImGui::GetWindowPos();
        rect_max = ImVec2(rect_min.x + ImGui::GetWindowWidth(), rect_min.y + ImGui::GetWindowHeight());
    }
    ImGui::End();
    shown_term_ = model.glossary_term();
    was_open_ = true;
    if (!open) {
        out.push_back(cmd::CloseGlossary{});
        was_open_ = false;
    }
    return out;
}

}  // namespace relaylab::ui
