// The Wire tab: the exact octets of the current step (sim/wire_view.hpp), CR and LF drawn as
// \r \n in their own colour, notes under each line (dot-stuffing, a bare LF that does not end
// the data, BDAT chunk sizes), AUTH credentials decoded only when asked, and for TLS two
// columns: what an observer on the path sees next to what the endpoints see.
#include "sim/wire_view.hpp"
#include "web/ui/panels.hpp"
#include "web/ui/widgets.hpp"

namespace relaylab::ui {

namespace {

ImVec4 col(ImU32 c) { return ImGui::ColorConvertU32ToFloat4(c); }

// One line of octets: printable runs in the text colour, escapes (\r \n \xNN) in the accent
// colour, the credentials in the warning colour.
void draw_octets(const sim::WireLine& l, const Palette& pal) {
    const ImU32 base = l.dir == sim::WireDir::to_server ? pal.command : pal.reply_2xx;
    const char* arrow = l.dir == sim::WireDir::to_server ? "C→S " : "S→C ";
    const std::string escaped = sim::wire_escaped(l.bytes);
    if (ImGui::CalcTextSize((arrow + escaped).c_str()).x > ImGui::GetContentRegionAvail().x) {
        coloured_wrapped(base, arrow + escaped);  // too long for one row: wrapped, in one colour
        return;
    }
    ImGui::TextColored(col(pal.dim_text), "%s", arrow);
    auto piece = [&](std::string_view bytes, ImU32 colour) {
        std::string plain;
        auto flush = [&] {
            if (plain.empty()) return;
            ImGui::SameLine(0, 0);
            ImGui::TextColored(col(colour), "%s", plain.c_str());
            plain.clear();
        };
        const std::string esc = sim::wire_escaped(bytes);
        for (std::size_t i = 0; i < esc.size(); ++i) {
            if (esc[i] != '\\') {
                plain += esc[i];
                continue;
            }
            flush();
            std::size_t n = esc[i + 1] == 'x' ? 4 : 2;
            ImGui::SameLine(0, 0);
            ImGui::TextColored(col(pal.warn), "%s", esc.substr(i, n).c_str());
            i += n - 1;
        }
        flush();
    };
    if (l.secret_end > l.secret_begin) {
        piece(std::string_view(l.bytes).substr(0, l.secret_begin), base);
        piece(std::string_view(l.bytes).substr(l.secret_begin, l.secret_end - l.secret_begin), pal.reply_5xx);
        piece(std::string_view(l.bytes).substr(l.secret_end), base);
    } else {
        piece(l.bytes, base);
    }
}

void draw_lines(const sim::WireStepView& v, WirePanel& panel, const Palette& pal) {
    if (fonts().mono) ImGui::PushFont(fonts().mono);
    int id = 0;
    for (const auto& l : v.lines) {
        ImGui::PushID(id++);
        draw_octets(l, pal);
        if (fonts().mono) ImGui::PopFont();
        for (const auto& n : l.notes) {
            ImGui::Indent();
            coloured_wrapped(pal.dim_text, "→ " + n.text + (n.rfc.empty() ? "" : " (" + n.rfc + ")"));
            ImGui::Unindent();
        }
        if (l.secret_end > l.secret_begin) {
            ImGui::Indent();
            if (!panel.decode_auth) {
                if (ImGui::Button("Decode the credentials")) panel.decode_auth = true;
            } else {
                coloured_wrapped(pal.reply_5xx, "decoded: " + l.secret_decoded);
                if (!l.tls && !l.secret_user.empty())
                    coloured_wrapped(pal.reply_5xx, "This is " + l.secret_user.substr(0, l.secret_user.find('@')) +
                                                        "'s password, readable by anyone on the path.");
                if (ImGui::Button("Hide the credentials")) panel.decode_auth = false;
            }
            ImGui::Unindent();
        }
        if (fonts().mono) ImGui::PushFont(fonts().mono);
        ImGui::PopID();
    }
    if (fonts().mono) ImGui::PopFont();
}

void draw_observer(const sim::WireStepView& v, const Palette& pal) {
    if (v.observer.empty()) {
        ImGui::TextDisabled("nothing");
        return;
    }
    for (const auto& o : v.observer) {
        const std::string line = std::string(o.dir == sim::WireDir::to_server ? "C→S " : "S→C ") + o.label +
                                 (o.opaque ? "  [opaque]" : "");
        coloured_wrapped(o.opaque ? pal.tls : pal.text, line);
    }
}

}  // namespace

Commands WirePanel::draw(const Model& model) {
    Commands out;
    if (!model.loaded()) return out;
    const auto& sim = model.sim();
    const Palette& pal = palette(model.prefs().high_contrast);
    if (sim.step() == 0) {
        ImGui::TextWrapped("Step forward: this tab shows the exact octets of each step, as they crossed the wire.");
        return out;
    }
    const sim::WireStepView v = sim::wire_step_view(sim.timeline().steps(), sim.wire(), sim.step() - 1);
    ImGui::BeginChild("##wire", ImVec2(0, 0), ImGuiChildFlags_None);
    if (v.connection >= 0)
        ImGui::TextColored(col(pal.dim_text), "connection %d: %s → %s port %d", v.connection, v.client.c_str(),
                           v.server.c_str(), v.port);
    coloured_wrapped(pal.text, v.summary);
    if (!v.lines.empty() && !v.tls) coloured_wrapped(pal.dim_text, "In cleartext: an observer on the path reads exactly these octets.");
    ImGui::Separator();
    if (v.tls) {
        if (ImGui::BeginTable("##tls", 2, ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_Resizable)) {
            ImGui::TableSetupColumn("What an observer on the path sees");
            ImGui::TableSetupColumn("What the endpoints see");
            ImGui::TableHeadersRow();
            ImGui::TableNextRow();
            ImGui::TableSetColumnIndex(0);
            draw_observer(v, pal);
            ImGui::TableSetColumnIndex(1);
            if (v.lines.empty()) ImGui::TextWrapped("The handshake itself: keys are agreed, nothing of SMTP yet.");
            draw_lines(v, *this, pal);
            ImGui::EndTable();
        }
    } else {
        draw_lines(v, *this, pal);
    }
    ImGui::EndChild();
    return out;
}

}  // namespace relaylab::ui
