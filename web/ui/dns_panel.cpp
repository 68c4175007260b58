#include "sim/report.hpp"
#include "web/ui/panels.hpp"
#include "web/ui/widgets.hpp"

namespace relaylab::ui {

Commands DnsPanel::draw(const Model& model) {
    Commands out;
    if (!model.loaded()) return out;
    const auto& sim = model.sim();
    const Palette& pal = palette(model.prefs().high_contrast);
    const auto& records = sim.timeline().dns_records();
    const std::size_t n = std::min(sim.view().dns_records, records.size());
    if (n == 0) {
        ImGui::TextWrapped("No DNS lookups yet. The relay asks DNS for the recipient domain's MX records "
                           "when it starts delivering.");
        return out;
    }
    const ImGuiTableFlags flags = ImGuiTableFlags_ScrollY | ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                                  ImGuiTableFlags_Resizable;
    if (!ImGui::BeginTable("##dns", 4, flags)) return out;
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("time", ImGuiTableColumnFlags_WidthFixed, ImGui::CalcTextSize("00:00:00.000").x);
    ImGui::TableSetupColumn("asked by", ImGuiTableColumnFlags_WidthStretch, 1.0f);
    ImGui::TableSetupColumn("question", ImGuiTableColumnFlags_WidthStretch, 1.2f);
    ImGui::TableSetupColumn("answer", ImGuiTableColumnFlags_WidthStretch, 2.0f);
    ImGui::TableHeadersRow();
    for (std::size_t i = 0; i < n; ++i) {
        const auto& r = records[i];
        ImGui::TableNextRow();
        if (i + 1 == n) ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg0, pal.current_row);
        ImGui::TableSetColumnIndex(0);
        ImGui::TextUnformatted(sim::format_sim_time(r.t_ms).c_str());
        ImGui::TableSetColumnIndex(1);
        ImGui::TextUnformatted(r.resolver_of.c_str());
        ImGui::TableSetColumnIndex(2);
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.dns), "%s", r.question.c_str());
        ImGui::TableSetColumnIndex(3);
        ImGui::PushStyleColor(ImGuiCol_Text, r.answer.empty() || r.outcome != TraceOutcome::ok ? pal.down : pal.text);
        ImGui::TextWrapped("%s", r.answer.empty() ? "(waiting for the answer)" : r.answer.c_str());
        ImGui::PopStyleColor();
    }
    ImGui::EndTable();
    return out;
}

}  // namespace relaylab::ui
