#include "web/ui/app.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>

#include "web/ui/inbox_button.hpp"
#include "web/ui/theme.hpp"
#include "web/ui/widgets.hpp"
#include "web/ui/world_link.hpp"

namespace relaylab::ui {

namespace {
// GLFW key codes (both platform layers are GLFW; see App::on_key).
constexpr int k_glfw_key_space = 32, k_glfw_key_0 = 48, k_glfw_key_minus = 45, k_glfw_key_equal = 61;
constexpr int k_glfw_key_right = 262, k_glfw_key_left = 263, k_glfw_key_home = 268, k_glfw_key_end = 269;
constexpr int k_glfw_key_f = 70, k_glfw_key_h = 72, k_glfw_key_i = 73, k_glfw_key_n = 78, k_glfw_key_w = 87,
              k_glfw_key_e = 69;
constexpr int k_glfw_key_kp_subtract = 333, k_glfw_key_kp_add = 334;

constexpr ImGuiWindowFlags k_fixed = ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize |
                                     ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoSavedSettings;

bool begin_at(const char* name, const Rect& r, ImGuiWindowFlags extra = 0, bool collapsible = false) {
    ImGui::SetNextWindowPos(ImVec2(r.x, r.y));
    ImGui::SetNextWindowSize(ImVec2(r.w, r.h));
    return ImGui::Begin(name, nullptr, (k_fixed & ~(collapsible ? ImGuiWindowFlags_NoCollapse : 0)) | extra);
}
}  // namespace

const char* version() { return RELAYLAB_VERSION; }

void focus_probe_begin_frame();  // focus_probe.cpp
void focus_probe_end_frame();

App::App(AppOptions options) : options_(std::move(options)) {}

bool App::fonts_dirty() const {
    return built_font_scale_ != model_.prefs().font_scale || built_ui_scale_ != ui_scale_;
}

void App::set_ui_scale(float scale) { ui_scale_ = std::clamp(scale, 0.5f, 4.0f); }

void App::init_fonts() {
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;  // layout comes from the code, never from a stale file
    io.Fonts->Clear();
    const float scale = model_.prefs().font_scale;
    const float size = options_.font_size * scale * ui_scale_;
    const std::string sans = options_.asset_dir + "/DejaVuSans.ttf";
    const std::string mono = options_.asset_dir + "/DejaVuSansMono.ttf";
    // ImGui's built-in pixel font is unreadable on a projector: always use a TTF.
    Fonts& f = fonts();
    f.sans = io.Fonts->AddFontFromFileTTF(sans.c_str(), size, nullptr, glyph_ranges());
    if (!f.sans) f.sans = io.Fonts->AddFontDefault();
    f.big = io.Fonts->AddFontFromFileTTF(sans.c_str(), size * 1.3f, nullptr, glyph_ranges());
    f.mono = io.Fonts->AddFontFromFileTTF(mono.c_str(), size * 0.95f, nullptr, glyph_ranges());
    if (!f.big) f.big = f.sans;
    if (!f.mono) f.mono = f.sans;
    io.FontDefault = f.sans;
    io.Fonts->Build();
    built_font_scale_ = scale;
    built_ui_scale_ = ui_scale_;
}

bool App::open_link(std::string_view fragment) {
    if (is_world_fragment(fragment)) return true;  // #world=…: the page script decodes it (world_link.hpp)
    notice_title_.clear();
    std::vector<std::string> problems;
    const Commands commands = Model::commands_for_fragment(fragment, &problems);
    auto join = [&] {
        std::string text;
        for (const auto& p : problems) text.append(text.empty() ? "" : "\n").append(p);
        return text;
    };
    if (commands.empty()) {
        notice_ = join();
        return false;
    }
    if (!model_.apply(commands.front())) {
        std::string text = "The link asks for a scenario called \"";
        text.append(std::get<cmd::Load>(commands.front()).name).append("\", which does not exist: showing \"");
        text.append(model_.scenario_name()).append("\" instead.");
        problems.insert(problems.begin(), text);
        notice_ = join();
        return false;
    }
    for (std::size_t i = 1; i < commands.size(); ++i) {
        if (model_.apply(commands[i])) continue;
        if (const auto* sw = std::get_if<cmd::SetSwitch>(&commands[i])) {
            std::string text = "The link sets \"";
            text.append(sw->name).append("\", which is not a switch of this scenario.");
            problems.push_back(text);
        }
    }
    if (const auto* seek = std::get_if<cmd::Seek>(&commands.back()); seek && seek->step > model_.total_steps()) {
        std::string text = "The link's step ";
        text.append(std::to_string(seek->step)).append(" is past the end: this scenario has ");
        text.append(std::to_string(model_.total_steps())).append(" steps.");
        problems.push_back(text);
    }
    notice_ = join();
    return true;
}

void App::draw_notice(float width) {
    layout_.notice = {};
    if (notice_.empty()) return;
    const float w = std::min(width * 0.6f, ImGui::GetFontSize() * 40);
    layout_.notice = {(width - w) / 2, layout_.toolbar.h + ImGui::GetFontSize(), w, 0};
    ImGui::SetNextWindowPos(ImVec2(layout_.notice.x, layout_.notice.y));
    ImGui::SetNextWindowSize(ImVec2(w, 0));
    ImGui::SetNextWindowFocus();
    ImGui::PushStyleColor(ImGuiCol_WindowBg, IM_COL32(120, 20, 20, 245));
    ImGui::PushStyleColor(ImGuiCol_Text, IM_COL32(255, 255, 255, 255));
    if (ImGui::Begin("##notice", nullptr, k_fixed | ImGuiWindowFlags_NoTitleBar)) {
        ImGui::PushTextWrapPos(0);
        ImGui::TextUnformatted(notice_title_.empty() ? "Cannot open this link" : notice_title_.c_str());
        ImGui::TextUnformatted(notice_.c_str());
        ImGui::PopTextWrapPos();
        if (ImGui::Button("OK")) notice_.clear();
        layout_.notice.h = ImGui::GetWindowHeight();
    }
    ImGui::End();
    ImGui::PopStyleColor(2);
}

void App::record_frame_time(double work_ms) {
    frame_ms_.push_back(work_ms);
    while (frame_ms_.size() > 120) frame_ms_.pop_front();
}

double App::average_frame_ms() const {
    if (frame_ms_.empty()) return 0;
    return std::accumulate(frame_ms_.begin(), frame_ms_.end(), 0.0) / static_cast<double>(frame_ms_.size());
}

void App::apply_commands(const Commands& commands) { model_.apply_all(commands); }

bool App::on_key(int glfw_key, bool ctrl, bool repeat, bool shift) {
    const ImGuiIO& io = ImGui::GetIO();  // as the last frame left it
    if (io.WantTextInput) return false;
    if (ctrl) {
        keys_.push_back({glfw_key, ctrl, repeat, shift});
        return false;  // Dear ImGui still sees Ctrl combinations
    }
    // In an open popup (a combo's list) opened from the keyboard, arrows move in the list.
    const bool nav_in_popup = io.NavVisible && ImGui::IsPopupOpen("", ImGuiPopupFlags_AnyPopupId | ImGuiPopupFlags_AnyPopupLevel);
    if (quiz_key_command(model_, glfw_key, io.NavVisible)) {  // 1-4 answer, Enter/Space continue
        keys_.push_back({glfw_key, ctrl, repeat, shift});
        return true;
    }
    switch (glfw_key) {
        case k_glfw_key_space:
            if (io.NavVisible) return false;  // activates the focused widget
            [[fallthrough]];
        case k_glfw_key_right: case k_glfw_key_left: case k_glfw_key_home: case k_glfw_key_end:
            if (nav_in_popup) return false;
            [[fallthrough]];
        case k_glfw_key_f: case k_glfw_key_h: case k_glfw_key_n: case k_glfw_key_w: case k_glfw_key_e:
            keys_.push_back({glfw_key, ctrl, repeat, shift});
            return true;
        case k_glfw_key_i:  // the Inbox drawer
            if (!options_.inbox_button) return false;
            keys_.push_back({glfw_key, ctrl, repeat, shift});
            return true;
        default:
            return false;
    }
}

void App::handle_keys() {
    const ImGuiIO& io = ImGui::GetIO();
    std::vector<KeyPress> keys;
    keys.swap(keys_);
    if (io.WantTextInput) return;
    Commands c;
    for (const auto& k : keys) {
        if (const auto q = k.ctrl ? std::nullopt : quiz_key_command(model_, k.key, io.NavVisible)) {
            apply_commands(c);  // in order: the quiz key acts on the state the keys before it left
            c.clear();
            model_.apply(*q);
            continue;
        }
        const float s = model_.prefs().font_scale;
        if (k.ctrl) {
            if (k.key == k_glfw_key_equal || k.key == k_glfw_key_kp_add) c.push_back(cmd::SetFontScale{s * 1.15f});
            if (k.key == k_glfw_key_minus || k.key == k_glfw_key_kp_subtract) c.push_back(cmd::SetFontScale{s / 1.15f});
            if (k.key == k_glfw_key_0) c.push_back(cmd::SetFontScale{1.0f});
        } else {
            if (k.key == k_glfw_key_space && !k.repeat) c.push_back(cmd::TogglePlaying{});
            if (k.key == k_glfw_key_right) c.push_back(cmd::StepForward{});
            if (k.key == k_glfw_key_left) c.push_back(cmd::StepBack{});
            if (k.key == k_glfw_key_home && !k.repeat) c.push_back(cmd::Restart{});
            if (k.key == k_glfw_key_end && !k.repeat) c.push_back(cmd::Jump{JumpKind::end, 1});
            // F / H / N: next failure, hop, notice; with Shift the previous one.
            const int dir = k.shift ? -1 : 1;
            if (k.key == k_glfw_key_f) c.push_back(cmd::Jump{JumpKind::failure, dir});
            if (k.key == k_glfw_key_h) c.push_back(cmd::Jump{JumpKind::hop, dir});
            if (k.key == k_glfw_key_n) c.push_back(cmd::Jump{JumpKind::dsn, dir});
            if (k.key == k_glfw_key_w) select_wire_ = true;  // the Wire tab
            if (k.key == k_glfw_key_e) export_.open_request = true;  // the Export… menu
            if (k.key == k_glfw_key_i && !k.repeat) inbox_requested_ = true;
        }
    }
    apply_commands(c);
}

void App::frame(float width, float height) {
    ++frames_;
    focus_probe_begin_frame();
    if (!styled_once_ || styled_.high_contrast != model_.prefs().high_contrast ||
        styled_.large_controls != model_.prefs().large_controls || styled_ui_scale_ != ui_scale_) {
        apply_style(model_.prefs());
        if (ui_scale_ != 1.0f) ImGui::GetStyle().ScaleAllSizes(ui_scale_);
        styled_ = model_.prefs();
        styled_ui_scale_ = ui_scale_;
        styled_once_ = true;
    }
    handle_keys();
    // After an idle spell (the page draws no frames then) the first DeltaTime is long:
    // playback started by this frame's key must not leap ahead.
    model_.tick(std::min(ImGui::GetIO().DeltaTime, 0.1f));

    // Layout: a toolbar on top; topology over the ladder on the left; notes, details and
    // switches on the right. Presenter mode (a projector, 1280×720 and up, big text): the
    // scrubber on a toolbar row of its own, the right column for the current step's note
    // and the Details tabs (collapsible), no switches panel (switches are set before class).
    const ImGuiStyle& style = ImGui::GetStyle();
    const bool presenter = model_.presenting();
    layout_.presenter = presenter;
    timeline_.wide_scrubber = presenter;
    // The first row's buttons take as many lines as they need (toolbar_flow.hpp), then the
    // playback row, and in presenter mode the scrubber's own row.
    const int toolbar_rows = toolbar_flow_.last_lines() + (presenter ? 2 : 1);
    const float toolbar_h = ImGui::GetFrameHeight() * static_cast<float>(toolbar_rows) +
                            style.ItemSpacing.y * static_cast<float>(toolbar_rows - 1) + style.WindowPadding.y * 2;
    const float body_h = std::max(100.0f, height - toolbar_h);
    const float left_w = std::floor(width * (presenter ? 0.56f : width / ui_scale_ > 1500 ? 0.55f : 0.58f));
    const float right_w = width - left_w;
    layout_.toolbar = {0, 0, width, toolbar_h};
    layout_.frame_height = ImGui::GetFrameHeight();
    layout_.topology = {0, toolbar_h, left_w, std::floor(body_h * (presenter ? 0.44f : 0.48f))};
    layout_.sequence = {0, toolbar_h + layout_.topology.h, left_w, body_h - layout_.topology.h};
    if (presenter) {
        const float title_h = ImGui::GetFrameHeight();
        const float details_h = details_collapsed_ ? title_h : std::floor(body_h * 0.42f);
        layout_.notes = {left_w, toolbar_h, right_w, body_h - details_h};
        layout_.details = {left_w, toolbar_h + layout_.notes.h, right_w, details_h};
        layout_.switches = {};
        if (model_.live_mode()) {  // a projector showing a real relay: its session list, compact, under the note
            const float list_h = std::floor(layout_.notes.h * 0.45f);
            layout_.notes.h -= list_h;
            layout_.switches = {left_w, toolbar_h + layout_.notes.h, right_w, list_h};
        }
    } else {
        layout_.notes = {left_w, toolbar_h, right_w, std::floor(body_h * 0.30f)};
        layout_.switches = {left_w, 0, right_w, std::floor(body_h * 0.20f)};
        layout_.switches.y = height - layout_.switches.h;
        layout_.details = {left_w, toolbar_h + layout_.notes.h, right_w, body_h - layout_.notes.h - layout_.switches.h};
    }

    if (model_.quiz()) {  // the quiz gets the notes' place and most of the Details' (choices, reveal)
        const float extra = std::floor(layout_.details.h * (details_collapsed_ && presenter ? 0.0f : 0.6f));
        layout_.notes.h += extra;
        layout_.details.y += extra;
        layout_.details.h -= extra;
    }
    Commands out;
    auto take = [&](Commands c) { out.insert(out.end(), c.begin(), c.end()); };

    if (begin_at("##toolbar", layout_.toolbar, ImGuiWindowFlags_NoTitleBar | ImGuiWindowFlags_NoScrollbar)) {
        ToolbarFlow& flow = toolbar_flow_;
        flow.begin();
        flow.begin_item("scenario");
        take(scenario_.draw(model_));
        take(live_.draw_button(model_));  // Live mode (live_panel.cpp)
        flow.end_item();
        flow.begin_item("presenter", ImGui::GetFontSize());
        take(presenter_.draw(model_));
        flow.end_item();
        if (options_.inbox_button) {
            flow.begin_item("inbox");
            if (draw_inbox_button(inbox_badge_, model_.prefs().high_contrast)) inbox_requested_ = true;
            flow.end_item();
        }
        flow.begin_item("world");
        draw_world_button();
        flow.end_item();
        if (model_.loaded()) {
            // Export… on the first row, out of the Tab order (the E key opens it).
            flow.begin_item("export");
            ImGui::PushTabStop(false);
            take(export_.draw(model_));
            ImGui::PopTabStop();
            flow.end_item();
        }
        flow.begin_item("quiz");
        take(quiz_button(model_));
        flow.end_item();
        flow.begin_item("glossary");
        take(glossary_button(model_));
        flow.end_item();
        flow.end();
        layout_.toolbar_lines = flow.lines();
        layout_.toolbar_items = flow.items();
        take(timeline_.draw(model_));
        const ImVec2 a = timeline_.scrubber_min, b = timeline_.scrubber_max;
        layout_.scrubber = {a.x, a.y, b.x - a.x, b.y - a.y};
    }
    ImGui::End();
    if (begin_at("Topology: who talks to whom", layout_.topology, ImGuiWindowFlags_NoScrollbar)) take(topology_.draw(model_));
    ImGui::End();
    if (begin_at("Sequence diagram (click a line to go to that step)", layout_.sequence, ImGuiWindowFlags_NoScrollbar))
        take(sequence_.draw(model_));
    ImGui::End();
    glossary_chip_report() = ChipReport{};
    layout_.quiz = model_.quiz() ? layout_.notes : Rect{};
    layout_.quiz_choices.clear();
    if (model_.quiz()) {
        // The quiz takes the notes' place while it runs (the notes would tell the answer).
        if (begin_at("Quiz: which comes next?###quiz", layout_.notes)) {
            take(quiz_.draw(model_));
            auto rect = [](ImVec2 a, ImVec2 b) { return Rect{a.x, a.y, b.x - a.x, b.y - a.y}; };
            for (const auto& c : quiz_.choices)
                layout_.quiz_choices.push_back({rect(c.button_min, c.button_max), rect(c.text_min, c.text_max)});
        }
    } else if (begin_at(presenter ? "This step and the teacher's note###notes" : "Teacher's notes###notes", layout_.notes)) {
        take(notes_.draw(model_));
        record_scroll(notes_.report);
        const ImVec2 a = notes_.step_min, b = notes_.step_max;
        layout_.step_note = {a.x, a.y, b.x - a.x, b.y - a.y};
    }
    ImGui::End();
    // Collapsible in presenter mode (click its title bar), so the note gets the whole column.
    ImGui::SetNextWindowCollapsed(presenter && details_collapsed_, ImGuiCond_Always);
    const bool details_open = begin_at("Details", layout_.details, ImGuiWindowFlags_NoScrollbar, presenter);
    if (presenter && ImGui::IsWindowCollapsed() != details_collapsed_) details_collapsed_ = ImGui::IsWindowCollapsed();
    if (details_open) {
        if (ImGui::BeginTabBar("##tabs")) {
            if (ImGui::BeginTabItem("Transcript")) { take(transcript_.draw(model_)); ImGui::EndTabItem(); }
            if (ImGui::BeginTabItem("DNS")) { take(dns_.draw(model_)); ImGui::EndTabItem(); }
            if (ImGui::BeginTabItem("Queue")) {
                ImGui::BeginChild("##queue");
                take(queue_.draw(model_));
                ImGui::EndChild();
                ImGui::EndTabItem();
            }
            if (ImGui::BeginTabItem("Message copies")) { take(inspector_.draw(model_)); ImGui::EndTabItem(); }
            if (ImGui::BeginTabItem("Outcome")) { take(outcome_.draw(model_)); ImGui::EndTabItem(); }
            if (ImGui::BeginTabItem("Wire", nullptr, select_wire_ ? ImGuiTabItemFlags_SetSelected : 0)) {
                take(wire_.draw(model_));
                ImGui::EndTabItem();
            }
            select_wire_ = false;
            ImGui::EndTabBar();
        }
    }
    ImGui::End();
    if (model_.live_mode()) {
        if (begin_at("Live: the relay's sessions (newest first)", layout_.switches)) take(live_.draw_list(model_));
        ImGui::End();
        if (auto id = live_.take_rebuild_request()) open_rebuilt(*id);  // "Open in the simulator"
    } else if (!presenter) {
        if (begin_at("Failure switches and outcome", layout_.switches)) {
            take(switches_.draw(model_));
            ImGui::Separator();
            const Palette& pal = palette(model_.prefs().high_contrast);
            for (const auto& m : model_.sim().view().messages) {
                const ImU32 c = message_state_colour(m.status, pal);
                // Appended piece by piece (GCC 12 warns falsely on chains of operator+).
                std::string line = message_state_mark(m.status);
                line.append(m.id).append(": ").append(sim::message_state_name(m.status));
                if (m.code) line.append(" ").append(std::to_string(m.code)).append(" ").append(m.enhanced);
                if (!m.final_host.empty()) line.append(" at ").append(m.final_host);
                ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(c), "%s", line.c_str());
            }
        }
        ImGui::End();
    }
    if (editor_.is_open()) draw_editor();
    take(glossary_.draw(model_, ImVec2(layout_.details.x, layout_.details.y), ImVec2(layout_.details.w, layout_.details.h)));
    layout_.glossary = model_.glossary_open() ? Rect{glossary_.rect_min.x, glossary_.rect_min.y,
                                                     glossary_.rect_max.x - glossary_.rect_min.x,
                                                     glossary_.rect_max.y - glossary_.rect_min.y}
                                              : Rect{};
    const ChipReport& chip = glossary_chip_report();
    layout_.glossary_chip = chip.shown ? Rect{chip.min.x, chip.min.y, chip.max.x - chip.min.x, chip.max.y - chip.min.y} : Rect{};
    layout_.glossary_chip_term = chip.term;
    draw_notice(width);
    focus_probe_end_frame();
    apply_commands(out);
}

}  // namespace relaylab::ui
