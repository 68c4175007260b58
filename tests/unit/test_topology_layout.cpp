// The topology panel's geometry (web/ui/topology_layout.hpp): boxes never overlap and never
// leave the panel, at the sizes a class meets (a 1280×720 projector in presenter mode, a
// laptop) and at worse ones.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "web/ui/topology_layout.hpp"

using namespace relaylab::ui;

namespace {

// Every node, every non-empty mark block and the caption band: pairwise clear, inside.
void check_clear(const std::vector<TopologyItem>& items, float w, float h, float font) {
    const TopologyPlacement p = place_topology(items, w, h, font);
    REQUIRE(p.nodes.size() == items.size());
    std::vector<Box> all;
    for (std::size_t i = 0; i < items.size(); ++i) {
        all.push_back(p.nodes[i]);
        if (p.marks[i].h > 0) {
            CHECK(p.marks[i].h == doctest::Approx(p.mark_line_h * static_cast<float>(items[i].mark_lines)));
            all.push_back(p.marks[i]);
        }
    }
    all.push_back(p.caption_band);
    const Box panel{0, 0, w, h};
    for (std::size_t i = 0; i < all.size(); ++i) {
        INFO("box " << i << " at " << all[i].x << "," << all[i].y << " " << all[i].w << "x" << all[i].h << " in " << w << "x" << h);
        CHECK(box_inside(all[i], panel));
        for (std::size_t j = i + 1; j < all.size(); ++j) CHECK_FALSE(boxes_overlap(all[i], all[j]));
    }
    CHECK(p.font <= font);
}

// At the sizes a class meets, every mark line shows and the text is at least half size.
void check_complete(const std::vector<TopologyItem>& items, float w, float h, float font) {
    check_clear(items, w, h, font);
    const TopologyPlacement p = place_topology(items, w, h, font);
    CHECK(p.font >= font * 0.5f - 0.01f);
    for (std::size_t i = 0; i < items.size(); ++i)
        CHECK(p.marks[i].h == doctest::Approx(p.mark_line_h * static_cast<float>(items[i].mark_lines)));
}

}  // namespace

TEST_CASE("topology: a box overlaps another only when they share area") {
    CHECK(boxes_overlap(Box{0, 0, 10, 10}, Box{5, 5, 10, 10}));
    CHECK_FALSE(boxes_overlap(Box{0, 0, 10, 10}, Box{10, 0, 10, 10}));  // edges touch
    CHECK_FALSE(boxes_overlap(Box{0, 0, 10, 10}, Box{0, 11, 10, 10}));
    CHECK(box_inside(Box{1, 1, 5, 5}, Box{0, 0, 6, 6}));
    CHECK_FALSE(box_inside(Box{1, 1, 6, 5}, Box{0, 0, 6, 6}));
}

TEST_CASE("topology: the built-in worlds' shapes fit a projector and a laptop without overlap") {
    // Panel sizes measured in the page: 1280×720 presenter (font 27), 1366×768 (font 18),
    // 1920×1080 (font 18), and a cramped desktop window.
    const float sizes[][3] = {{700, 250, 27}, {780, 300, 18}, {1040, 470, 18}, {420, 180, 18}};
    // client | relay | dns+MX | mailboxes, with marks on some hosts.
    const std::vector<std::vector<TopologyItem>> worlds = {
        {{0, 0}, {1, 0}, {2, 0}, {2, 0}, {3, 0}},
        {{0, 0}, {1, 0}, {1, 0}, {2, 0}, {2, 2}, {2, 1}, {3, 0}, {3, 0}, {3, 0}},
        {{0, 1}, {1, 3}, {2, 0}, {2, 3}, {2, 3}, {2, 3}, {3, 0}},
        {{0, 0}, {2, 0}},
        {{1, 0}},
    };
    for (const auto& s : sizes)
        for (const auto& w : worlds) check_complete(w, s[0], s[1], s[2]);
    // A cramped window: marks give way (the tooltips keep them), nothing overlaps.
    for (const auto& w : worlds) check_clear(w, 300, 120, 27);
}

TEST_CASE("topology: a crowded column loses captions first, then shrinks its text") {
    std::vector<TopologyItem> few = {{0, 0}, {2, 0}, {2, 0}};
    const auto roomy = place_topology(few, 800, 400, 18);
    CHECK(roomy.captions);
    CHECK(roomy.font == doctest::Approx(18));

    std::vector<TopologyItem> many(6, TopologyItem{2, 1});
    const auto tight = place_topology(many, 800, 260, 18);
    CHECK_FALSE(tight.captions);
    CHECK(tight.font < 18);
    check_clear(many, 800, 260, 18);
}

TEST_CASE("topology: each column keeps to its own band of the width") {
    std::vector<TopologyItem> items = {{0, 3}, {1, 3}, {3, 3}};  // column 2 empty: three bands
    const auto p = place_topology(items, 600, 300, 18);
    for (std::size_t i = 0; i < items.size(); ++i) {
        const float left = 200.0f * static_cast<float>(i), right = left + 200.0f;
        CHECK(p.nodes[i].x >= left);
        CHECK(p.nodes[i].right() <= right);
        CHECK(p.marks[i].x >= left);
        CHECK(p.marks[i].right() <= right);
    }
}

TEST_CASE("topology: a label takes the first free place inside the panel, or none") {
    const Box panel{0, 0, 100, 100};
    const std::vector<Box> taken = {Box{0, 0, 50, 50}};
    auto spot = place_label({Box{10, 10, 20, 10}, Box{60, 10, 20, 10}}, taken, panel);
    REQUIRE(spot);
    CHECK(spot->x == 60);
    CHECK_FALSE(place_label({Box{10, 10, 20, 10}, Box{90, 10, 20, 10}}, taken, panel));  // covered, or outside
}
