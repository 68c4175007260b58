#include "web/ui/toolbar_flow.hpp"

#include <imgui.h>

namespace relaylab::ui {

void ToolbarFlow::begin() {
    last_items_.swap(items_);
    items_.clear();
    lines_ = 1;
    first_ = true;
}

float ToolbarFlow::width_of(const std::string& name) const {
    for (const auto& i : last_items_)
        if (i.name == name) return i.w;
    return 0;
}

void ToolbarFlow::begin_item(const std::string& name, float spacing) {
    if (!first_) {
        const float gap = spacing < 0 ? ImGui::GetStyle().ItemSpacing.x : spacing;
        const float right_edge = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
        const float x = items_.empty() ? ImGui::GetCursorScreenPos().x : items_.back().x + items_.back().w;
        if (x + gap + width_of(name) <= right_edge) ImGui::SameLine(0, gap);
        else ++lines_;  // the cursor is already at the start of the next line
    }
    first_ = false;
    items_.push_back({name});
    ImGui::BeginGroup();
}

void ToolbarFlow::end_item() {
    ImGui::EndGroup();
    const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
    ToolbarItem& item = items_.back();
    item.x = a.x;
    item.y = a.y;
    item.w = b.x - a.x;
    item.h = b.y - a.y;
}

void ToolbarFlow::end() { last_lines_ = lines_; }

}  // namespace relaylab::ui
