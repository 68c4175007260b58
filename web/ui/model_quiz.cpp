// The Model's part of issue 14: the quiz (sim/quiz.hpp) over the loaded run, the glossary
// window's state and the beginner view. No ImGui here.
#include "web/ui/model.hpp"

namespace relaylab::ui {

const sim::QuizQuestion* Model::quiz_pending() const {
    return quiz_ && sim_ ? quiz_->pending(sim_->step()) : nullptr;
}

std::size_t Model::quiz_limit(std::size_t to) const {
    if (!quiz_ || !sim_) return to;
    return quiz_->limit(sim_->step(), to);
}

void Model::quiz_refresh() {
    if (!quiz_ || !sim_) return;
    std::vector<bool> offered;
    for (std::size_t i = 0; i < sim_->scenario().switches.size(); ++i) offered.push_back(switch_offered(i));
    quiz_ = sim::QuizRun(sim::quiz_questions(*sim_, &offered));
}

std::optional<bool> Model::apply_issue14(const Command& command) {
    if (std::holds_alternative<cmd::QuizStart>(command)) {
        if (!sim_) return false;
        if (!quiz_) quiz_restore_hide_future_ = prefs_.hide_future;
        quiz_.emplace();
        quiz_refresh();
        prefs_.hide_future = true;  // no peeking: the sequence and transcript end at now
        playing_ = false;
        sim_->seek(0);
        hop_progress_ = 1.0f;
        return true;
    }
    if (std::holds_alternative<cmd::QuizStop>(command)) {
        if (!quiz_) return false;
        quiz_.reset();
        prefs_.hide_future = quiz_restore_hide_future_;
        return true;
    }
    if (const auto* a = std::get_if<cmd::QuizAnswer>(&command)) {
        if (!quiz_ || !sim_) return false;
        playing_ = false;
        return quiz_->answer(sim_->step(), a->choice).has_value();
    }
    if (std::holds_alternative<cmd::QuizSkip>(command)) return quiz_ && sim_ && quiz_->skip(sim_->step());
    if (std::holds_alternative<cmd::QuizContinue>(command)) {
        if (!quiz_ || !sim_ || quiz_pending() || sim_->step() >= sim_->total_steps()) return false;
        // On past the answered question, to the next one (or the end).
        const auto old = sim_->step();
        sim_->seek(quiz_->limit(old + 1, sim_->total_steps()));
        moved(old);
        return true;
    }
    if (const auto* g = std::get_if<cmd::OpenGlossary>(&command)) {
        glossary_open_ = true;
        glossary_term_ = g->term;
        return true;
    }
    if (std::holds_alternative<cmd::CloseGlossary>(command)) {
        glossary_open_ = false;
        return true;
    }
    if (const auto* b = std::get_if<cmd::SetBeginner>(&command)) {
        prefs_.beginner = b->on;
        prefs_.show_all = false;
        return true;
    }
    if (const auto* s = std::get_if<cmd::SetShowAll>(&command)) {
        prefs_.show_all = s->on;
        return true;
    }
    return std::nullopt;
}

}  // namespace relaylab::ui
