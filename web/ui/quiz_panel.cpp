// The quiz (issue 14): toolbar buttons (Quiz, Glossary), the question with its four choices,
// the reveal with the step's explanation, RFC and glossary chips, and the score. Keys 1-4
// answer, Enter or Space go on to the next question (quiz_key_command).
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

float quiz_buttons_width() {
    const ImGuiStyle& st = ImGui::GetStyle();
    return ImGui::CalcTextSize("Stop quiz").x + ImGui::CalcTextSize("Glossary").x + st.FramePadding.x * 4 + st.ItemSpacing.x * 2;
}

Commands quiz_buttons(const Model& model) {
    Commands out;
    if (ImGui::Button(model.quiz() ? "Stop quiz##quiz" : "Quiz##quiz"))
        out.push_back(model.quiz() ? Command{cmd::QuizStop{}} : Command{cmd::QuizStart{}});
    if (ImGui::IsItemHovered())
        wrapped_tooltip("Predict each server reply, DNS answer and queue decision before it happens (keys 1-4, Enter)");
    ImGui::SameLine();
    if (ImGui::Button("Glossary##glossary"))
        out.push_back(model.glossary_open() ? Command{cmd::CloseGlossary{}} : Command{cmd::OpenGlossary{""}});
    if (ImGui::IsItemHovered()) wrapped_tooltip("The words of mail delivery, in a few sentences each");
    return out;
}

Commands QuizPanel::draw(const Model& model) {
    Commands out;
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
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.hop), "Step %zu · which comes next? (%s)", step + 1,
                       sim::quiz_kind_name(q->kind));
    if (fonts().big) ImGui::PushFont(fonts().big);
    ImGui::TextWrapped("%s", q->prompt.c_str());
    if (fonts().big) ImGui::PopFont();
    const float w = ImGui::GetContentRegionAvail().x;
    ImGui::PushStyleVar(ImGuiStyleVar_ButtonTextAlign, ImVec2(0.0f, 0.5f));
    for (std::size_t i = 0; i < q->choices.size(); ++i) {
        const auto& c = q->choices[i];
        std::string label = std::to_string(i + 1) + "   ";
        if (answered) {
            if (i == q->correct) label = "✓ " + label;
            else if (answered->choice == static_cast<int>(i)) label = "✗ " + label;
        }
        label += c.label;
        label += "##choice" + std::to_string(i);
        ImGui::PushID(static_cast<int>(i));
        const bool highlight = answered && i == q->correct;
        if (highlight) ImGui::PushStyleColor(ImGuiCol_Button, (pal.ok & 0x00FFFFFF) | (0x90u << 24));
        if (fonts().mono) ImGui::PushFont(fonts().mono);
        ImGui::BeginDisabled(answered != nullptr && !highlight);
        if (ImGui::Button(label.c_str(), ImVec2(w, 0)) && !answered) out.push_back(cmd::QuizAnswer{static_cast<int>(i)});
        ImGui::EndDisabled();
        if (fonts().mono) ImGui::PopFont();
        if (highlight) ImGui::PopStyleColor();
        ImGui::PopID();
    }
    ImGui::PopStyleVar();
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
