// The quiz: toolbar buttons (Quiz, Glossary), the question with its four choices,
// the reveal with the step's explanation, RFC and glossary chips, and the score. Keys 1-4
// answer, Enter or Space go on to the next question (quiz_key_command).
#include <algorithm>
#include <cstdio>

#include "sim/report.hpp"
#include "web/ui/panels.hpp"
#include "web/ui/widgets.hpp"

namespace relaylab::ui {

namespace {
constexpr int k_glfw_key_space = 32, k_glfw_key_1 = 49, k_glfw_key_4 = 52, k_glfw_key_enter = 257,
              k_glfw_key_kp_enter = 335;

std::string score_line(const sim::QuizScore& s) {
    char b[96];
    std::snprintf(b, sizeof b, "Score: %zu correct of %zu answered (%zu questions in this run)", s.correct, s.answered,
                  s.total);
    return b;
}

// A button `width` wide whose label wraps onto as many lines as it needs: Dear ImGui's
// Button keeps a label on one line and clips it at the edge, and a long reply in presenter
// mode's big text would lose its end. The label is drawn over the button in the text
// colour (dimmed, like the button, inside BeginDisabled); `id` is the button's ("###…").
bool wrapped_button(const std::string& text, const std::string& id, float width, QuizPanel::Choice& drawn) {
    const ImGuiStyle& st = ImGui::GetStyle();
    const float wrap = std::max(1.0f, width - st.FramePadding.x * 2);
    const ImVec2 size = ImGui::CalcTextSize(text.c_str(), nullptr, false, wrap);
    const ImVec2 at = ImGui::GetCursorScreenPos();
    // The label after "##" names the button for the keyboard focus probe without drawing it.
    const bool pressed = ImGui::Button(("##" + text + id).c_str(), ImVec2(width, size.y + st.FramePadding.y * 2));
    drawn.button_min = ImGui::GetItemRectMin();
    drawn.button_max = ImGui::GetItemRectMax();
    drawn.text_min = ImVec2(at.x + st.FramePadding.x, at.y + st.FramePadding.y);
    drawn.text_max = ImVec2(drawn.text_min.x + size.x, drawn.text_min.y + size.y);
    ImGui::GetWindowDrawList()->AddText(ImGui::GetFont(), ImGui::GetFontSize(), drawn.text_min,
                                        ImGui::GetColorU32(ImGuiCol_Text), text.c_str(), nullptr, wrap);
    return pressed;
}
}  // namespace

std::optional<Command> quiz_key_command(const Model& model, int glfw_key, bool nav_visible) {
    if (!model.quiz()) return std::nullopt;
    if (const auto* q = model.quiz_pending()) {
        const int i = glfw_key - k_glfw_key_1;
        if (glfw_key >= k_glfw_key_1 && glfw_key <= k_glfw_key_4 && static_cast<std::size_t>(i) < q->choices.size())
            return cmd::QuizAnswer{i};
        return std::nullopt;
    }
    if (nav_visible) return std::nullopt;  // Enter and Space activate the focused widget then
    if (glfw_key == k_glfw_key_enter || glfw_key == k_glfw_key_kp_enter || glfw_key == k_glfw_key_space)
        return cmd::QuizContinue{};
    return std::nullopt;
}

Commands quiz_button(const Model& model) {
    Commands out;
    // As wide as "Stop quiz" either way: starting the quiz moves no other button.
    const float w = ImGui::CalcTextSize("Stop quiz").x + ImGui::GetStyle().FramePadding.x * 2;
    if (ImGui::Button(model.quiz() ? "Stop quiz##quiz" : "Quiz##quiz", ImVec2(w, 0)))
        out.push_back(model.quiz() ? Command{cmd::QuizStop{}} : Command{cmd::QuizStart{}});
    if (ImGui::IsItemHovered())
        wrapped_tooltip("Predict each server reply, DNS answer and queue decision before it happens (keys 1-4, Enter)");
    return out;
}

Commands glossary_button(const Model& model) {
    Commands out;
    if (ImGui::Button("Glossary##glossary"))
        out.push_back(model.glossary_open() ? Command{cmd::CloseGlossary{}} : Command{cmd::OpenGlossary{""}});
    if (ImGui::IsItemHovered()) wrapped_tooltip("The words of mail delivery, in a few sentences each");
    return out;
}

Commands QuizPanel::draw(const Model& model) {
    Commands out;
    choices.clear();
    const sim::QuizRun* quiz = model.quiz();
    if (!quiz || !model.loaded()) return out;
    const Palette& pal = palette(model.prefs().high_contrast);
    const std::size_t step = model.step();
    coloured_wrapped(pal.dim_text, score_line(quiz->score()));
    const sim::QuizQuestion* q = quiz->question_at(step);
    if (!q) {
        ImGui::Separator();
        if (step >= model.total_steps()) {
            ImGui::TextWrapped("The run is over. %s", score_line(quiz->score()).c_str());
            if (ImGui::Button("Start again##quiz-again")) out.push_back(cmd::QuizStart{});
        } else {
            ImGui::TextWrapped("No question at this step. Go on to the next one.");
            if (ImGui::Button("Continue (Enter)##quiz-continue")) out.push_back(cmd::QuizContinue{});
        }
        return out;
    }
    const sim::QuizAnswer* answered = quiz->answer_at(step);
    ImGui::Separator();
    char heading[96];  // wrapped: on a projector's narrow column it would be cut at the edge
    std::snprintf(heading, sizeof heading, "Step %zu · which comes next? (%s)", step + 1, sim::quiz_kind_name(q->kind));
    coloured_wrapped(pal.hop, heading);
    if (fonts().big) ImGui::PushFont(fonts().big);
    ImGui::TextWrapped("%s", q->prompt.c_str());
    if (fonts().big) ImGui::PopFont();
    const float w = ImGui::GetContentRegionAvail().x;
    for (std::size_t i = 0; i < q->choices.size(); ++i) {
        const auto& c = q->choices[i];
        std::string label = std::to_string(i + 1) + "   ";
        if (answered) {
            if (i == q->correct) label = "✓ " + label;
            else if (answered->choice == static_cast<int>(i)) label = "✗ " + label;
        }
        label += c.label;
        ImGui::PushID(static_cast<int>(i));
        const bool highlight = answered && i == q->correct;
        if (highlight) ImGui::PushStyleColor(ImGuiCol_Button, (pal.ok & 0x00FFFFFF) | (0x90u << 24));
        if (fonts().mono) ImGui::PushFont(fonts().mono);
        ImGui::BeginDisabled(answered != nullptr && !highlight);
        Choice drawn;
        if (wrapped_button(label, "###choice" + std::to_string(i), w, drawn) && !answered)
            out.push_back(cmd::QuizAnswer{static_cast<int>(i)});
        choices.push_back(drawn);
        ImGui::EndDisabled();
        if (fonts().mono) ImGui::PopFont();
        if (highlight) ImGui::PopStyleColor();
        ImGui::PopID();
    }
    if (!answered) {
        coloured_wrapped(pal.dim_text, "Keys 1-4 answer.");
        if (ImGui::SmallButton("Skip this question##quiz-skip")) out.push_back(cmd::QuizSkip{});
        return out;
    }
    ImGui::Separator();
    if (answered->choice < 0) coloured_wrapped(pal.warn, "Skipped. The answer:");
    else if (answered->correct) coloured_wrapped(pal.ok, "✓ Right.");
    else coloured_wrapped(pal.reply_5xx, "✗ Not this time. The answer:");
    coloured_wrapped(pal.text, q->choices[q->correct].label);
    if (!q->explanation.empty()) ImGui::TextWrapped("%s", q->explanation.c_str());
    if (!q->rfc.empty()) coloured_wrapped(pal.dim_text, q->rfc);
    for (auto& c : glossary_chips(q->explanation)) out.push_back(std::move(c));
    if (ImGui::Button("Continue (Enter)##quiz-continue")) out.push_back(cmd::QuizContinue{});
    return out;
}

}  // namespace relaylab::ui
