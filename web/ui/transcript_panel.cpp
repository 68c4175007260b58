#include "engine/explain.hpp"
#include "sim/report.hpp"
#include "web/ui/panels.hpp"
#include "web/ui/widgets.hpp"

namespace relaylab::ui {

Commands TranscriptPanel::draw(const Model& model) {
    Commands out;
    if (!model.loaded()) return out;
    const auto& sim = model.sim();
    const Palette& pal = palette(model.prefs().high_contrast);
    const auto& steps = sim.timeline().steps();
    const std::size_t step = sim.step();
    const bool moved = shown_step_ != step || generation_ != model.generation() || shown_font_ != ImGui::GetFontSize();
    shown_step_ = step;
    shown_font_ = ImGui::GetFontSize();
    generation_ = model.generation();

    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.command), "C: client command");
    ImGui::SameLine();
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.reply_2xx), "2xx ok");
    ImGui::SameLine();
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.reply_3xx), "3xx go on");
    ImGui::SameLine();
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.reply_4xx), "4xx try later");
    ImGui::SameLine();
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.reply_5xx), "5xx refused");
    ImGui::SameLine();
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.dns), "DNS");

    const ImGuiTableFlags flags = ImGuiTableFlags_ScrollY | ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                                  ImGuiTableFlags_Resizable | ImGuiTableFlags_SizingStretchProp;
    if (!ImGui::BeginTable("##transcript", 3, flags)) return out;
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("time", ImGuiTableColumnFlags_WidthFixed, ImGui::CalcTextSize("00:00:00.000").x);
    ImGui::TableSetupColumn("who", ImGuiTableColumnFlags_WidthStretch, 1.0f);
    ImGui::TableSetupColumn("line, and what it means", ImGuiTableColumnFlags_WidthStretch, 3.2f);
    ImGui::TableHeadersRow();

    // Two lines per step: the wire line, then its plain-language explanation and RFC.
    const float row_h = ImGui::GetTextLineHeightWithSpacing() * 2 + ImGui::GetStyle().CellPadding.y * 2;
    ImGuiListClipper clipper;
    clipper.Begin(static_cast<int>(step), row_h);
    while (clipper.Step()) {
        for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
            const auto& ev = steps[i].event;
            ImGui::TableNextRow(0, row_h);
            const bool current = static_cast<std::size_t>(i) + 1 == step;
            if (current) ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg0, pal.current_row);
            ImGui::TableSetColumnIndex(0);
            ImGui::PushID(i);
            if (ImGui::Selectable(sim::format_sim_time(ev.t_ms).c_str(), false,
                                  ImGuiSelectableFlags_SpanAllColumns, ImVec2(0, row_h - ImGui::GetStyle().CellPadding.y * 2)))
                out.push_back(cmd::Seek{static_cast<std::size_t>(i) + 1});
            const bool hovered = ImGui::IsItemHovered();
            ImGui::PopID();
            ImGui::TableSetColumnIndex(1);
            ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.dim_text), "%s", ev.from.c_str());
            if (!ev.to.empty()) ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.dim_text), "→ %s", ev.to.c_str());
            ImGui::TableSetColumnIndex(2);
            if (fonts().mono) ImGui::PushFont(fonts().mono);
            ImGui::PushStyleColor(ImGuiCol_Text, event_colour(ev, pal));
            ImGui::TextUnformatted(event_line(ev).c_str());
            ImGui::PopStyleColor();
            if (fonts().mono) ImGui::PopFont();
            const Explanation ex = explain_event(ev);
            ImGui::TextUnformatted(ex.text.c_str());
            if (!ex.rfc.empty()) {
                ImGui::SameLine();
                ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.dim_text), "[%s]", ex.rfc.c_str());
            }
            if (hovered) explanation_tooltip(ev);
        }
    }
    if (moved) ImGui::SetScrollHereY(1.0f);
    record_scroll(report);
    report.steps.clear();
    for (std::size_t i = 1; i <= step; ++i) report.steps.push_back(i);
    ImGui::EndTable();
    return out;
}

}  // namespace relaylab::ui
