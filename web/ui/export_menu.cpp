// "Export…" in the toolbar: the run as a Markdown handout, a text transcript, the JSON
// trace, a pcap for Wireshark, and every message copy and notice as .eml. On the page a
// choice becomes a browser download (relaylab.download in assets/web/index.html); the
// desktop window writes the file into the current folder.
#ifdef __EMSCRIPTEN__
#include <emscripten/emscripten.h>
#else
#include <fstream>
#endif

#include "sim/export_file.hpp"
#include "web/ui/panels.hpp"
#include "web/ui/widgets.hpp"

namespace relaylab::ui {

namespace {
void download(const Model& model, const char* kind, std::size_t index) {
#ifdef __EMSCRIPTEN__
    (void)model;
    EM_ASM({ window.relaylab.download(UTF8ToString($0), $1); }, kind, static_cast<int>(index));
#else
    const auto& sim = model.sim();
    if (auto f = sim::export_file(sim.scenario(), sim.seed(), sim.switches(), sim.run(), kind, index)) {
        std::ofstream out(f->name, std::ios::binary);
        out.write(f->bytes.data(), static_cast<std::streamsize>(f->bytes.size()));
    }
#endif
}
}  // namespace

Commands ExportMenu::draw(const Model& model) {
    Commands out;
    if (!model.loaded()) return out;
    if (ImGui::Button("Export…") || open_request) ImGui::OpenPopup("##export");
    open_request = false;
    if (ImGui::IsItemHovered()) wrapped_tooltip("Download a handout, the transcript, the trace, a pcap or the messages");
    // Under the button, right-aligned (not at the mouse: the E key opens it too).
    ImGui::SetNextWindowPos(ImVec2(ImGui::GetItemRectMax().x, ImGui::GetItemRectMax().y), ImGuiCond_Appearing, ImVec2(1, 0));
    if (ImGui::BeginPopup("##export")) {
        if (ImGui::Selectable("Handout (Markdown)")) download(model, "markdown", 0);
        if (ImGui::Selectable("Transcript (text)")) download(model, "text", 0);
        if (ImGui::Selectable("Trace (JSON)")) download(model, "json", 0);
        if (ImGui::Selectable("Traffic (pcap, for Wireshark)")) download(model, "pcap", 0);
        const auto copies = sim::run_message_copies(model.sim().run());
        if (!copies.empty()) {
            ImGui::Separator();
            ImGui::TextDisabled("Messages as stored (.eml)");
        }
        for (std::size_t i = 0; i < copies.size(); ++i) {
            const auto& c = copies[i];
            const std::string label = (c.bounce ? "bounce: " : "") + c.host + " · " + c.where + "##eml" + std::to_string(i);
            if (ImGui::Selectable(label.c_str())) download(model, "eml", i);
        }
        ImGui::EndPopup();
    }
    return out;
}

}  // namespace relaylab::ui
