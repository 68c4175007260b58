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
        index_[name] = static_cast<int>(nodes_.size());
        nodes_.push_back(n);
    }
    // Columns: clients | relays (+ their local mailboxes) | DNS above, MX hosts | mailboxes.
    std::vector<std::vector<int>> columns(4);
    for (int i = 0; i < static_cast<int>(nodes_.size()); ++i) {
        const auto& n = nodes_[i];
        switch (n.kind) {
            case NodeKind::client: columns[0].push_back(i); break;
            case NodeKind::relay: columns[1].push_back(i); break;
            case NodeKind::dns: break;
            case NodeKind::mailbox: {
                const auto owner = mailbox_owner.find(n.name);
                const bool at_relay = owner != mailbox_owner.end() && kind_of(owner->second) == NodeKind::relay;
                columns[at_relay ? 1 : 3].push_back(i);
                break;
            }
            default: columns[2].push_back(i); break;
        }
    }
    const float xs[4] = {0.10f, 0.36f, 0.64f, 0.89f};
    for (int c = 0; c < 4; ++c) {
        const auto& col = columns[c];
        const float top = c == 2 ? 0.45f : 0.22f, bottom = 0.88f;
        for (std::size_t k = 0; k < col.size(); ++k) {
            const float y = col.size() == 1 ? (c == 2 ? 0.62f : 0.5f)
                                            : top + (bottom - top) * static_cast<float>(k) / static_cast<float>(col.size() - 1);
            nodes_[col[k]].pos = ImVec2(xs[c], y);
        }
    }
    if (auto it = index_.find("dns"); it != index_.end()) nodes_[it->second].pos = ImVec2(0.64f, 0.14f);

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
    if (!model.loaded()) return out;
    if (generation_ != model.generation()) rebuild(model);
    const auto& sim = model.sim();
    const auto& view = sim.view();
    const Palette& pal = palette(model.prefs().high_contrast);

    const ImVec2 origin = ImGui::GetCursorScreenPos();
    const ImVec2 size = ImGui::GetContentRegionAvail();
    if (size.x < 50 || size.y < 50) return out;
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddRectFilled(origin, ImVec2(origin.x + size.x, origin.y + size.y), pal.canvas_bg);
    ImGui::InvisibleButton("##topology", size);

    const float fs = ImGui::GetFontSize();
    const float small = fs * 0.8f;
    const float node_w = std::min(size.x * 0.22f, fs * 11.0f);
    const float node_h = fs * 2.6f;
    auto at = [&](int i) { return ImVec2(origin.x + nodes_[i].pos.x * size.x, origin.y + nodes_[i].pos.y * size.y); };

    const sim::Step* cur = sim.current();
    const auto from_it = cur ? index_.find(cur->event.from) : index_.end();
    const auto to_it = cur ? index_.find(cur->event.to) : index_.end();
    const int hop_from = from_it != index_.end() ? from_it->second : -1;
    const int hop_to = to_it != index_.end() ? to_it->second : -1;

    // Links: all that the run ever uses, then open connections, then the current hop.
    for (const auto& [a, b] : links_) dl->AddLine(at(a), at(b), pal.link, 2.0f);
    for (const auto& [id, c] : view.connections) {
        if (!c.open) continue;
        const auto a = index_.find(c.client), b = index_.find(c.server);
        if (a == index_.end() || b == index_.end()) continue;
        dl->AddLine(at(a->second), at(b->second), c.tls ? pal.ok : pal.command, 5.0f);
        const ImVec2 mid = lerp(at(a->second), at(b->second), 0.5f);
        const std::string tag = ":" + std::to_string(c.port) + (c.tls ? " TLS" : "");
        dl->AddText(ImGui::GetFont(), small, ImVec2(mid.x - fs, mid.y + 4), c.tls ? pal.ok : pal.command, tag.c_str());
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
        const ImVec2 c = at(i);
        const float w = n.kind == NodeKind::mailbox ? node_w * 0.9f : node_w;
        const ImVec2 a(c.x - w / 2, c.y - node_h / 2), b(c.x + w / 2, c.y + node_h / 2);
        const ImU32 fill = n.kind == NodeKind::client ? pal.client : n.kind == NodeKind::relay ? pal.relay
                           : n.kind == NodeKind::dns ? pal.dns_node : n.kind == NodeKind::mailbox ? pal.mailbox : pal.mx;
        dl->AddRectFilled(a, b, fill, 6.0f);
        const bool active = i == hop_from || i == hop_to;
        dl->AddRect(a, b, active ? pal.hop : pal.text, 6.0f, 0, active ? 4.0f : 1.0f);
        const std::string title = fit(n.name, w - 8, fs);
        dl->AddText(ImGui::GetFont(), fs, ImVec2(a.x + 6, a.y + 3), pal.text, title.c_str());
        std::string caption = n.caption;
        if (n.kind == NodeKind::mailbox) caption = std::to_string(mailbox_count[n.name]) + " message(s)";
        if (queue_count[n.name] > 0) caption = "queue: " + std::to_string(queue_count[n.name]) + " · " + caption;
        caption = fit(caption, w - 8, small);
        dl->AddText(ImGui::GetFont(), small, ImVec2(a.x + 6, a.y + 4 + fs), pal.text, caption.c_str());
        // Failures switched on, and connections the host refused or left unanswered so far.
        float y = b.y + 2;
        bool down = unreachable.count(n.name) > 0;
        for (const auto& mark : host_marks(sim, n.name)) {
            const std::string t = fit(mark.text, node_w * 1.3f, small);
            dl->AddText(ImGui::GetFont(), small, ImVec2(a.x, y), mark.severe ? pal.down : pal.warn, t.c_str());
            y += small + 1;
            down = down || mark.outcome == TraceOutcome::refused || mark.outcome == TraceOutcome::timed_out;
        }
        if (down) {
            dl->AddLine(a, b, pal.down, 4.0f);
            dl->AddLine(ImVec2(a.x, b.y), ImVec2(b.x, a.y), pal.down, 4.0f);
        }
        if (ImGui::IsMouseHoveringRect(a, b)) {
            std::string tip = n.name + (n.caption.empty() ? "" : "\n" + n.caption);
            if (const auto* h = sim.scenario().host(n.name); h && !h->ip.empty()) tip += "\n" + h->ip;
            wrapped_tooltip(tip);
        }
    }

    // The message moving along the current hop.
    if (cur) {
        const ImU32 colour = event_colour(cur->event, pal);
        const std::string line = marked_line(cur->event);
        if (hop_from >= 0 && hop_to >= 0 && hop_from != hop_to) {
            const ImVec2 p = lerp(at(hop_from), at(hop_to), ease(model.hop_progress()));
            const float ew = fs * 1.3f, eh = fs * 0.9f;
            dl->AddRectFilled(ImVec2(p.x - ew / 2, p.y - eh / 2), ImVec2(p.x + ew / 2, p.y + eh / 2), colour, 2.0f);
            dl->AddLine(ImVec2(p.x - ew / 2, p.y - eh / 2), ImVec2(p.x, p.y + eh * 0.1f), pal.canvas_bg, 2.0f);
            dl->AddLine(ImVec2(p.x + ew / 2, p.y - eh / 2), ImVec2(p.x, p.y + eh * 0.1f), pal.canvas_bg, 2.0f);
            const std::string label = fit(line, size.x * 0.4f, fs);
            const ImVec2 ts = ImGui::CalcTextSize(label.c_str());
            const ImVec2 tp(std::clamp(p.x - ts.x / 2, origin.x + 4, origin.x + size.x - ts.x - 4), p.y - eh - ts.y);
            dl->AddRectFilled(ImVec2(tp.x - 3, tp.y - 1), ImVec2(tp.x + ts.x + 3, tp.y + ts.y + 1), pal.canvas_bg, 3.0f);
            dl->AddText(tp, colour, label.c_str());
        } else if (hop_from >= 0) {
            const ImVec2 c = at(hop_from);
            const float r = node_w * 0.6f + 6.0f * std::sin(model.hop_progress() * 3.14159f);
            dl->AddCircle(c, r, pal.hop, 32, 3.0f);
        }
        // Caption: who → whom: what, at the bottom of the canvas.
        std::string who = cur->event.from;
        if (!cur->event.to.empty()) who += " → " + cur->event.to;
        const std::string caption = fit(who + ":  " + line, size.x - 16, fs);
        dl->AddText(ImVec2(origin.x + 8, origin.y + size.y - fs - 6), colour, caption.c_str());
    } else {
        dl->AddText(ImVec2(origin.x + 8, origin.y + size.y - fs - 6), pal.dim_text,
                    "Step 0: nothing has happened yet. Press ▶| or → to take the first step.");
    }
    return out;
}

}  // namespace relaylab::ui
