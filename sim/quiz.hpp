#pragma once
// Predict-the-next-step quiz (issue 14): before each server reply, each DNS answer and each
// queue decision of a run, the learner picks what comes next. The choices come from the
// engine, never from prose per scenario: the real event; what the same point of the run
// shows when each failure switch is flipped (the world re-run with it flipped, the event
// matched by who, what it answers and how many times that happened before); padded with
// other replies RFC 5321 §4.3.2 allows for the command (engine/allowed_replies.hpp), the
// other DNS results, or the other queue decisions. At most 4 choices, at least 2, unique, in
// a fixed order (by code, by text, or deliver/relay/defer/bounce).
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/simulation.hpp"

namespace relaylab::sim {

enum class QuizKind { reply, dns, decision };
const char* quiz_kind_name(QuizKind kind);  // "reply" | "dns" | "decision"

struct QuizChoice {
    QuizKind kind = QuizKind::reply;
    std::string label;     // "250 2.1.5 destination address valid", "10 mx1.dest.test", "relay: ..."
    int code = 0;          // replies
    std::string enhanced;  // replies (may be empty)
    TraceOutcome outcome = TraceOutcome::none;  // decisions
    std::string source;    // "run" (what happened), "switch NAME" (flipped), or the RFC allowing it
    bool operator==(const QuizChoice&) const = default;
};

struct QuizQuestion {
    std::size_t step = 0;  // 0-based index of the event asked about: asked while sim.step() == step
    QuizKind kind = QuizKind::reply;
    std::string prompt;
    std::vector<QuizChoice> choices;
    std::size_t correct = 0;  // index into choices
    std::string explanation;  // explain_event() of the real event, as the transcript shows it
    std::string rfc;
};

// Every question of the simulation's run (with its current switches), in step order.
// `offered` (one flag per scenario switch) limits which switches are flipped; null: all.
std::vector<QuizQuestion> quiz_questions(const Simulation& sim, const std::vector<bool>* offered = nullptr);

struct QuizAnswer {
    int choice = -1;  // -1: skipped
    bool correct = false;
};
struct QuizScore {
    std::size_t answered = 0, correct = 0, total = 0;
};

// One quiz over one run: the questions and what the learner answered.
class QuizRun {
public:
    QuizRun() = default;
    explicit QuizRun(std::vector<QuizQuestion> questions);

    const std::vector<QuizQuestion>& questions() const { return questions_; }
    const QuizQuestion* question_at(std::size_t step) const;
    // The question asked at this step that has no answer yet (nullptr if none).
    const QuizQuestion* pending(std::size_t step) const;
    const QuizAnswer* answer_at(std::size_t step) const;
    // Answers the question pending at `step`; nullopt when none is pending or the choice is
    // out of range.
    std::optional<QuizAnswer> answer(std::size_t step, int choice);
    bool skip(std::size_t step);
    // How far a move from `from` towards `to` may go: forward, not past a question that has
    // no answer (it stops at that question's step); backward, anywhere.
    std::size_t limit(std::size_t from, std::size_t to) const;
    QuizScore score() const;

private:
    std::vector<QuizQuestion> questions_;
    std::map<std::size_t, QuizAnswer> answers_;  // by step
};

}  // namespace relaylab::sim
