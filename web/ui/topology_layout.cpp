#include "web/ui/topology_layout.hpp"

#include <algorithm>
#include <array>

namespace relaylab::ui {

bool boxes_overlap(const Box& a, const Box& b) {
    return a.x < b.right() && b.x < a.right() && a.y < b.bottom() && b.y < a.bottom();
}

bool box_inside(const Box& inner, const Box& outer) {
    return inner.x >= outer.x && inner.y >= outer.y && inner.right() <= outer.right() && inner.bottom() <= outer.bottom();
}

namespace {

constexpr int k_columns = 4;
constexpr float k_top_pad = 4.0f;

struct Sizes {
    float font, small, node_h, mark_h, gap, band_h;
};

Sizes sizes_for(float font, bool captions) {
    const float small = font * 0.8f;
    return Sizes{font, small, font * (captions ? 2.6f : 1.5f), small + 1.0f, font * 0.4f, font + 10.0f};
}

// The tallest column's height with the smallest gaps (marks counted or not).
float needed_height(const std::vector<TopologyItem>& items, const Sizes& s, bool marks) {
    std::array<float, k_columns> sum{};
    std::array<int, k_columns> count{};
    for (const auto& it : items) {
        const int c = std::clamp(it.column, 0, k_columns - 1);
        sum[c] += s.node_h + (marks ? static_cast<float>(it.mark_lines) * s.mark_h : 0.0f);
        ++count[c];
    }
    float most = 0;
    for (int c = 0; c < k_columns; ++c)
        if (count[c] > 0) most = std::max(most, sum[c] + static_cast<float>(count[c] - 1) * s.gap);
    return most;
}

}  // namespace

TopologyPlacement place_topology(const std::vector<TopologyItem>& items, float width, float height, float font) {
    // The largest text that fits: with captions at full size, then without, then shrinking
    // to half size; past that the mark lines go (the nodes' tooltips still list them) and
    // the text shrinks further.
    bool captions = true, marks = true;
    Sizes s = sizes_for(font, true);
    auto fits = [&](const Sizes& z) { return needed_height(items, z, marks) <= height - z.band_h - k_top_pad; };
    if (!fits(s)) {
        captions = false;
        float scale = 1.0f;
        s = sizes_for(font, false);
        while (!fits(s) && scale > 0.5f) s = sizes_for(font * (scale -= 0.05f), false);
        if (!fits(s)) {
            marks = false;
            scale = 1.0f;
            s = sizes_for(font, false);
            while (!fits(s) && scale > 0.3f) s = sizes_for(font * (scale -= 0.05f), false);
        }
    }

    TopologyPlacement out;
    out.font = s.font;
    out.small = s.small;
    out.captions = captions;
    out.mark_line_h = s.mark_h;
    out.caption_band = Box{0, height - s.band_h, width, s.band_h};
    out.nodes.resize(items.size());
    out.marks.resize(items.size());
    auto lines = [&](const TopologyItem& it) { return marks ? static_cast<float>(it.mark_lines) : 0.0f; };

    // Each non-empty column owns an equal band of the width.
    std::array<int, k_columns> band{};
    int used = 0;
    for (int c = 0; c < k_columns; ++c) {
        band[c] = -1;
        for (const auto& it : items)
            if (std::clamp(it.column, 0, k_columns - 1) == c) {
                band[c] = used++;
                break;
            }
    }
    if (used == 0) return out;
    const float col_w = width / static_cast<float>(used);
    const float node_w = std::max(1.0f, std::min(col_w - 0.8f * s.font, 11.0f * s.font));
    const float avail = height - s.band_h - k_top_pad;

    for (int c = 0; c < k_columns; ++c) {
        if (band[c] < 0) continue;
        std::vector<std::size_t> members;
        float content = 0;
        for (std::size_t i = 0; i < items.size(); ++i) {
            if (std::clamp(items[i].column, 0, k_columns - 1) != c) continue;
            members.push_back(i);
            content += s.node_h + lines(items[i]) * s.mark_h;
        }
        // Equal free space above, between and below the boxes (never less than the gap
        // between them, unless even that does not fit).
        const float spare = std::max(0.0f, avail - content);
        const float gap = members.size() > 1 ? std::max(std::min(s.gap, spare / static_cast<float>(members.size() - 1)),
                                                        spare / static_cast<float>(members.size() + 1))
                                             : 0.0f;
        const float block = content + gap * static_cast<float>(members.size() > 1 ? members.size() - 1 : 0);
        float y = k_top_pad + std::max(0.0f, (avail - block) / 2.0f);
        const float left = static_cast<float>(band[c]) * col_w;
        for (const std::size_t i : members) {
            out.nodes[i] = Box{left + (col_w - node_w) / 2.0f, y, node_w, s.node_h};
            const float marks_h = lines(items[i]) * s.mark_h;
            out.marks[i] = Box{left + 0.2f * s.font, y + s.node_h, std::max(1.0f, col_w - 0.4f * s.font), marks_h};
            y += s.node_h + marks_h + gap;
        }
    }
    return out;
}

std::optional<Box> place_label(const std::vector<Box>& candidates, const std::vector<Box>& taken, const Box& bounds) {
    for (const auto& c : candidates) {
        if (!box_inside(c, bounds)) continue;
        if (std::none_of(taken.begin(), taken.end(), [&](const Box& t) { return boxes_overlap(c, t); })) return c;
    }
    return std::nullopt;
}

}  // namespace relaylab::ui
