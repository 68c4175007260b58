#include "sim/report.hpp"
#include "web/ui/panels.hpp"
#include "web/ui/widgets.hpp"

namespace relaylab::ui {

Commands QueuePanel::draw(const Model& model) {
    Commands out;
    if (!model.loaded()) return out;
    const auto& sim = model.sim();
    const auto& view = sim.view();
    const Palette& pal = palette(model.prefs().high_contrast);

    ImGui::TextUnformatted("Queue");
    ImGui::Separator();
    if (view.queue.empty())
        ImGui::TextWrapped("The queue is empty: no relay holds a message right now. A relay queues a message "
                           "after its 250 reply to DATA and removes it once every recipient is relayed (handed to the next "
                           "server), delivered (into a mailbox here) or bounced, and every notice owed is sent.");
    for (const auto& [id, e] : view.queue) {
        // The null reverse-path is already "<>"; a mailbox gets its brackets here.
        std::string head = e.queue_id + " on " + e.host + "  ·  from " + (e.sender == "<>" ? e.sender : "<" + e.sender + ">");
        head += e.bounce ? "  ·  bounce (DSN)" : "  ·  message " + e.message;
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(e.bounce ? pal.reply_5xx : pal.text), "%s", head.c_str());
        const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingStretchProp;
        if (ImGui::BeginTable(id.c_str(), 5, flags)) {
            ImGui::TableSetupColumn("recipient", 0, 1.4f);
            ImGui::TableSetupColumn("state", 0, 0.8f);
            ImGui::TableSetupColumn("attempts", 0, 0.5f);
            ImGui::TableSetupColumn("last reply", 0, 2.0f);
            ImGui::TableSetupColumn("next retry", 0, 1.0f);
            ImGui::TableHeadersRow();
            for (const auto& r : e.recipients) {
                ImGui::TableNextRow();
                ImGui::TableSetColumnIndex(0);
                ImGui::TextUnformatted(r.address.c_str());
                ImGui::TableSetColumnIndex(1);
                using R = RecipientState;
                const ImU32 c = (r.state == R::delivered || r.state == R::relayed) ? pal.ok
                                : r.state == R::bounced                            ? pal.down
                                : r.state == R::deferred                           ? pal.warn
                                                                                   : pal.text;
                ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(c), "%s", recipient_state_name(r.state));
                ImGui::TableSetColumnIndex(2);
                ImGui::Text("%d", r.attempts);
                ImGui::TableSetColumnIndex(3);
                ImGui::TextWrapped("%s", r.last_reply.empty() ? "—" : r.last_reply.c_str());
                ImGui::TableSetColumnIndex(4);
                ImGui::TextUnformatted(r.next_attempt_ms >= 0 ? sim::format_sim_time(r.next_attempt_ms).c_str() : "—");
            }
            ImGui::EndTable();
        }
        ImGui::Spacing();
    }

    ImGui::Spacing();
    ImGui::TextUnformatted("Connections");
    ImGui::Separator();
    int shown = 0;
    for (const auto& [cid, c] : view.connections) {
        if (!c.open) continue;
        ++shown;
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(c.tls ? pal.ok : pal.command), "#%d  %s → %s:%d  %s%s", c.id,
                           c.client.c_str(), c.server.c_str(), c.port, sim::purpose_name(c.purpose), c.tls ? "  (TLS)" : "");
    }
    if (!shown) ImGui::TextDisabled("no open connections");
    return out;
}

}  // namespace relaylab::ui
