#include "web/ui/panels.hpp"
#include "web/ui/widgets.hpp"

namespace relaylab::ui {

Commands InspectorPanel::draw(const Model& model) {
    Commands out;
    if (!model.loaded()) return out;
    const auto& sim = model.sim();
    const Palette& pal = palette(model.prefs().high_contrast);
    const auto& copies = sim.timeline().message_copies();
    const std::size_t n = std::min(sim.view().message_copies, copies.size());
    if (generation_ != model.generation()) {
        generation_ = model.generation();
        seen_copies_ = 0;
    }
    if (n != seen_copies_) {
        // A new copy appeared (or we went back): show the newest.
        seen_copies_ = n;
        selected_ = n ? n - 1 : 0;
    }
    if (n == 0) {
        ImGui::TextWrapped("No copies yet. Each server that accepts the message stores a copy, adding a "
                           "Received: header on top; bounces (delivery status notifications) appear here too.");
        return out;
    }
    const float list_w = std::min(ImGui::GetContentRegionAvail().x * 0.32f, ImGui::GetFontSize() * 16.0f);
    ImGui::BeginChild("##copies", ImVec2(list_w, 0), ImGuiChildFlags_Border);
    for (std::size_t i = 0; i < n; ++i) {
        const auto& c = copies[i];
        std::string label = (c.bounce ? "✗ bounce: " : "") + c.host + "\n  " + c.where;
        ImGui::PushID(static_cast<int>(i));
        ImGui::PushStyleColor(ImGuiCol_Text, c.bounce ? pal.reply_5xx : pal.text);
        if (ImGui::Selectable(label.c_str(), selected_ == i)) selected_ = i;
        ImGui::PopStyleColor();
        ImGui::PopID();
    }
    ImGui::EndChild();
    ImGui::SameLine();
    ImGui::BeginChild("##content", ImVec2(0, 0), ImGuiChildFlags_Border, ImGuiWindowFlags_HorizontalScrollbar);
    const auto& c = copies[std::min(selected_, n - 1)];
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.dim_text), "%s  ·  %s%s", c.host.c_str(), c.where.c_str(),
                       c.bounce ? "  ·  bounce (RFC 3464 DSN)" : "");
    ImGui::Separator();
    if (fonts().mono) ImGui::PushFont(fonts().mono);
    // Headers until the first empty line; Received: lines (the trace chain) stand out.
    bool in_headers = true, in_received = false;
    std::size_t pos = 0, lines = 0;
    const std::string& text = c.content;
    while (pos < text.size() && lines < 400) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string::npos) end = text.size();
        std::string line = text.substr(pos, end - pos);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        pos = end + 1;
        ++lines;
        ImU32 colour = pal.text;
        if (in_headers) {
            if (line.empty()) in_headers = false;
            else if (line[0] != ' ' && line[0] != '\t') in_received = line.rfind("Received:", 0) == 0;
            colour = in_received ? pal.hop : pal.command;
        }
        ImGui::PushStyleColor(ImGuiCol_Text, colour);
        ImGui::TextUnformatted(line.empty() ? " " : line.c_str());
        ImGui::PopStyleColor();
    }
    if (pos < text.size()) ImGui::TextDisabled("… (%zu more bytes)", text.size() - pos);
    if (fonts().mono) ImGui::PopFont();
    ImGui::EndChild();
    return out;
}

}  // namespace relaylab::ui
