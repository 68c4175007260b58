#include <algorithm>
#include <cmath>
#include <set>

#include "web/ui/panels.hpp"
#include "web/ui/widgets.hpp"

namespace relaylab::ui {

namespace {


ImVec2 lerp(ImVec2 a, ImVec2 b, float t) { return ImVec2(a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t); }
float ease(float t) { return t * t * (3 - 2 * t); }

// Shortens text to fit `width` pixels at the current font, with an ellipsis.
std::string fit(const std::string& text, float width, float font_size) {
    ImFont* font = ImGui::GetFont();
    if (font->CalcTextSizeA(font_size, FLT_MAX, 0, text.c_str()).x <= width) return text;
    std::string s = text;
    while (!s.empty() && font->CalcTextSizeA(font_size, FLT_MAX, 0, (s + "…").c_str()).x > width) s.pop_back();
    return s + "…";
}

}  // namespace

void TopologyPanel::rebuild(const Model& model) {
    generation_ = model.generation();
    nodes_.clear();
    links_.clear();
    index_.clear();
    const auto& sim = model.sim();
    const auto& sc = sim.scenario();

    auto kind_of = [&](const std::string& name) -> NodeKind {
        if (name == "dns") return NodeKind::dns;
        if (name.find('@') != std::string::npos) return NodeKind::mailbox;
        if (const auto* h = sc.host(name))
            return h->kind == sim::HostKind::client  ? NodeKind::client
                   : h->kind == sim::HostKind::relay ? NodeKind::relay
                                                     : NodeKind::mx;
        return NodeKind::other;
    };
    // Who stores mail into a mailbox (a delivery event's sender).
    std::map<std::string, std::string> mailbox_owner;
    for (const auto& s : sim.timeline().steps())
        if (s.event.kind == TraceKind::delivery && s.event.to.find('@') != std::string::npos)
            mailbox_owner.emplace(s.event.to, s.event.from);

    for (const auto& name : host_order(sim)) {
        Node n;
        n.name = name;
        n.kind = kind_of(name);
        if (const auto* h = sc.host(name)) n.caption = h->label.empty() ? h->ip : h->label;
        if (n.kind == NodeKind::dns) n.caption = "DNS resolver";
        if (n.kind == NodeKind::mailbox) n.caption = "mailbox";
        nodes_.push_back(n);
    }
    // Columns: clients | relays (+ their local mailboxes) | DNS, then MX hosts | mailboxes.
    for (auto& n : nodes_) {
        switch (n.kind) {
            case NodeKind::client: n.column = 0; break;
            case NodeKind::relay: n.column = 1; break;
            case NodeKind::mailbox: {
                const auto owner = mailbox_owner.find(n.name);
                const bool at_relay = owner != mailbox_owner.end() && kind_of(owner->second) == NodeKind::relay;
                n.column = at_relay ? 1 : 3;
                break;
            }
            default: n.column = 2; break;
        }
        n.mark_lines = static_cast<int>(std::min<std::size_t>(3, host_marks(sim, n.name).size()));
    }
    // DNS first in its column (above the MX hosts).
    std::stable_partition(nodes_.begin(), nodes_.end(), [](const Node& n) { return n.kind == NodeKind::dns; });
    for (int i = 0; i < static_cast<int>(nodes_.size()); ++i) index_[nodes_[i].name] = i;

    std::set<std::pair<int, int>> seen;
    for (const auto& s : sim.timeline().steps()) {
        const auto a = index_.find(s.event.from), b = index_.find(s.event.to);
        if (a == index_.end() || b == index_.end() || a->second == b->second) continue;
        const auto key = std::minmax(a->second, b->second);
        if (seen.insert(key).second) links_.push_back(key);
    }
}

Commands TopologyPanel::draw(const Model& model) {
    Commands out;
    drawn.clear();
    canvas = {};
    if (!model.loaded()) return out;
    if (generation_ != model.generation()) rebuild(model);
    const auto& sim = model.sim();
    const auto& view = sim.view();
    const Palette& pal = palette(model.prefs().high_contrast);

    const ImVec2 origin = ImGui::GetCursorScreenPos();
    const ImVec2 size = ImGui::GetContentRegionAvail();
    if (size.x < 50 || size.y < 50) return out;
    canvas = Box{origin.x, origin.y, size.x, size.y};
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddRectFilled(origin, ImVec2(origin.x + size.x, origin.y + size.y), pal.canvas_bg);
    ImGui::InvisibleButton("##topology", size);

    // Where everything goes (web/ui/topology_layout.hpp): nodes never overlap each other,
    // their marks or the caption line, and stay inside the panel at any size.
    std::vector<TopologyItem> items;
    for (const auto& n : nodes_) items.push_back(TopologyItem{n.column, n.mark_lines});
    const TopologyPlacement place = place_topology(items, size.x, size.y, ImGui::GetFontSize());
    const float fs = place.font;
    const float small = place.small;
    auto screen = [&](const Box& b) { return Box{origin.x + b.x, origin.y + b.y, b.w, b.h}; };
    auto at = [&](int i) {
        const Box& b = place.nodes[static_cast<std::size_t>(i)];
        return ImVec2(origin.x + b.x + b.w / 2, origin.y + b.y + b.h / 2);
    };
    // Labels take free room only: not on a node, its marks, the caption line or another label.
    std::vector<Box> taken;
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
        taken.push_back(screen(place.nodes[i]));
        if (place.marks[i].h > 0) taken.push_back(screen(place.marks[i]));
    }
    taken.push_back(screen(place.caption_band));
    const Box bounds = canvas;
    auto text_box = [&](const std::string& text, float font_size) {
        const ImVec2 ts = ImGui::GetFont()->CalcTextSizeA(font_size, FLT_MAX, 0, text.c_str());
        return ImVec2(ts.x + 6, ts.y + 2);
    };
    // Draws `text` at the first free candidate centre (a box of the text's size around it).
    auto label = [&](const std::string& text, float font_size, ImU32 colour, const std::vector<ImVec2>& centres) {
        const ImVec2 ts = text_box(text, font_size);
        std::vector<Box> candidates;
        for (const ImVec2& c : centres) candidates.push_back(Box{c.x - ts.x / 2, c.y - ts.y / 2, ts.x, ts.y});
        const auto spot = place_label(candidates, taken, bounds);
        if (!spot) return;
        taken.push_back(*spot);
        drawn.push_back(Drawn{"label", text, *spot});
        dl->AddRectFilled(ImVec2(spot->x, spot->y), ImVec2(spot->right(), spot->bottom()), pal.canvas_bg, 3.0f);
        dl->AddText(ImGui::GetFont(), font_size, ImVec2(spot->x + 3, spot->y + 1), colour, text.c_str());
    };

    const sim::Step* cur = sim.current();
    const auto from_it = cur ? index_.find(cur->event.from) : index_.end();
    const auto to_it = cur ? index_.find(cur->event.to) : index_.end();
    const int hop_from = from_it != index_.end() ? from_it->second : -1;
    const int hop_to = to_it != index_.end() ? to_it->second : -1;

    // Links: all that the run ever uses, then open connections, then the current hop.
    for (const auto& [a, b] : links_) dl->AddLine(at(a), at(b), pal.link, 2.0f);
    struct Tag {
        std::string text;
        ImU32 colour;
        ImVec2 a, b;
    };
    std::vector<Tag> tags;
    for (const auto& [id, c] : view.connections) {
        if (!c.open) continue;
        const auto a = index_.find(c.client), b = index_.find(c.server);
        if (a == index_.end() || b == index_.end()) continue;
        dl->AddLine(at(a->second), at(b->second), c.tls ? pal.ok : pal.command, 5.0f);
        tags.push_back(Tag{":" + std::to_string(c.port) + (c.tls ? " TLS" : ""), c.tls ? pal.ok : pal.command,
                           at(a->second), at(b->second)});
    }
    if (hop_from >= 0 && hop_to >= 0 && hop_from != hop_to) dl->AddLine(at(hop_from), at(hop_to), pal.hop, 6.0f);

    // Hosts that refused a connection or left it unanswered up to this step (the connect
    // step's `from` is the host that did not answer).
    std::set<std::string> unreachable;
    const auto& steps = sim.timeline().steps();
    for (std::size_t i = 0; i < sim.step() && i < steps.size(); ++i) {
        const TraceEvent& e = steps[i].event;
        if (e.kind == TraceKind::connect && (e.outcome == TraceOutcome::refused || e.outcome == TraceOutcome::timed_out))
            unreachable.insert(e.from);
    }

    // Nodes.
    std::map<std::string, int> mailbox_count;
    const auto& copies = sim.timeline().message_copies();
    for (std::size_t i = 0; i < view.message_copies && i < copies.size(); ++i)
        if (copies[i].where.rfind("mailbox ", 0) == 0) ++mailbox_count[copies[i].where.substr(8)];
    std::map<std::string, int> queue_count;
    for (const auto& [id, e] : view.queue) ++queue_count[e.host];

    for (int i = 0; i < static_cast<int>(nodes_.size()); ++i) {
        const auto& n = nodes_[i];
        const Box nb = screen(place.nodes[static_cast<std::size_t>(i)]);
        const float w = nb.w;
        const ImVec2 a(nb.x, nb.y), b(nb.right(), nb.bottom());
        const ImU32 fill = n.kind == NodeKind::client ? pal.client : n.kind == NodeKind::relay ? pal.relay
                           : n.kind == NodeKind::dns ? pal.dns_node : n.kind == NodeKind::mailbox ? pal.mailbox : pal.mx;
        dl->AddRectFilled(a, b, fill, 6.0f);
        const bool active = i == hop_from || i == hop_to;
        dl->AddRect(a, b, active ? pal.hop : pal.text, 6.0f, 0, active ? 4.0f : 1.0f);
        const std::string title = fit(n.name, w - 8, fs);
        dl->AddText(ImGui::GetFont(), fs, ImVec2(a.x + 6, a.y + (place.captions ? 3 : (nb.h - fs) / 2)), pal.text, title.c_str());
        std::string caption = n.caption;
        if (n.kind == NodeKind::mailbox) caption = std::to_string(mailbox_count[n.name]) + " message(s)";
        if (queue_count[n.name] > 0) caption = "queue: " + std::to_string(queue_count[n.name]) + " · " + caption;
        if (place.captions) {
            caption = fit(caption, w - 8, small);
            dl->AddText(ImGui::GetFont(), small, ImVec2(a.x + 6, a.y + 4 + fs), pal.text, caption.c_str());
        }
        drawn.push_back(Drawn{"node", n.name, nb});
        // Failures switched on, and connections the host refused or left unanswered so far.
        const Box mb = screen(place.marks[static_cast<std::size_t>(i)]);
        bool down = unreachable.count(n.name) > 0;
        int line_no = 0;
        std::string marks_text;
        for (const auto& mark : host_marks(sim, n.name)) {
            down = down || mark.outcome == TraceOutcome::refused || mark.outcome == TraceOutcome::timed_out;
            if (mb.h <= 0 || line_no >= n.mark_lines) continue;
            const std::string t = fit(mark.text, mb.w, small);
            dl->AddText(ImGui::GetFont(), small, ImVec2(mb.x, mb.y + place.mark_line_h * static_cast<float>(line_no)),
                        mark.severe ? pal.down : pal.warn, t.c_str());
            marks_text += (line_no++ ? "\n" : "") + t;
        }
        if (mb.h > 0) drawn.push_back(Drawn{"marks", marks_text, mb});
        if (down) {
            dl->AddLine(a, b, pal.down, 4.0f);
            dl->AddLine(ImVec2(a.x, b.y), ImVec2(b.x, a.y), pal.down, 4.0f);
        }
        if (ImGui::IsMouseHoveringRect(a, b)) {
            std::string tip = n.name + (n.caption.empty() ? "" : "\n" + n.caption);
            if (const auto* h = sim.scenario().host(n.name); h && !h->ip.empty()) tip += "\n" + h->ip;
            for (const auto& mark : host_marks(sim, n.name)) tip += "\n" + mark.text;
            wrapped_tooltip(tip);
        }
    }

    // The message moving along the current hop, and the line it carries (where there is room).
    if (cur) {
        const ImU32 colour = event_colour(cur->event, pal);
        const std::string line = marked_line(cur->event);
        if (hop_from >= 0 && hop_to >= 0 && hop_from != hop_to) {
            const ImVec2 p = lerp(at(hop_from), at(hop_to), ease(model.hop_progress()));
            const float ew = fs * 1.3f, eh = fs * 0.9f;
            dl->AddRectFilled(ImVec2(p.x - ew / 2, p.y - eh / 2), ImVec2(p.x + ew / 2, p.y + eh / 2), colour, 2.0f);
            dl->AddLine(ImVec2(p.x - ew / 2, p.y - eh / 2), ImVec2(p.x, p.y + eh * 0.1f), pal.canvas_bg, 2.0f);
            dl->AddLine(ImVec2(p.x + ew / 2, p.y - eh / 2), ImVec2(p.x, p.y + eh * 0.1f), pal.canvas_bg, 2.0f);
            const std::string text = fit(line, size.x * 0.4f, fs);
            const float up = eh / 2 + text_box(text, fs).y / 2 + 2;
            // Above or below the envelope, or along its way; the caption line says it anyway.
            std::vector<ImVec2> centres = {ImVec2(p.x, p.y - up), ImVec2(p.x, p.y + up)};
            for (float t : {0.3f, 0.7f, 0.15f, 0.85f}) {
                const ImVec2 q = lerp(at(hop_from), at(hop_to), t);
                centres.push_back(ImVec2(q.x, q.y - up));
                centres.push_back(ImVec2(q.x, q.y + up));
            }
            label(text, fs, colour, centres);
        } else if (hop_from >= 0) {
            const ImVec2 c = at(hop_from);
            const float r = place.nodes[static_cast<std::size_t>(hop_from)].w * 0.6f + 6.0f * std::sin(model.hop_progress() * 3.14159f);
            dl->AddCircle(c, r, pal.hop, 32, 3.0f);
        }
    }
    // Ports of the open connections, near the middle of their line.
    for (const auto& t : tags) {
        std::vector<ImVec2> centres;
        for (float f : {0.5f, 0.4f, 0.6f, 0.3f, 0.7f}) {
            const ImVec2 q = lerp(t.a, t.b, f);
            centres.push_back(ImVec2(q.x, q.y + small));
            centres.push_back(ImVec2(q.x, q.y - small));
        }
        label(t.text, small, t.colour, centres);
    }
    // Caption: who → whom: what, in the line kept for it at the bottom.
    const Box band = screen(place.caption_band);
    std::string caption;
    ImU32 caption_colour = pal.dim_text;
    if (cur) {
        std::string who = cur->event.from;
        if (!cur->event.to.empty()) who += " → " + cur->event.to;
        caption = fit(who + ":  " + marked_line(cur->event), size.x - 16, fs);
        caption_colour = event_colour(cur->event, pal);
    } else {
        caption = fit("Step 0: nothing has happened yet. Press ▶| or → to take the first step.", size.x - 16, fs);
    }
    dl->AddText(ImGui::GetFont(), fs, ImVec2(band.x + 8, band.y + (band.h - fs) / 2), caption_colour, caption.c_str());
    drawn.push_back(Drawn{"caption", caption, band});
    return out;
}

}  // namespace relaylab::ui
