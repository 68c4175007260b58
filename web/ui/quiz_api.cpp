// The JS API of issue 14 (relaylab.quiz.*, relaylab.glossary(), relaylab.setBeginner): ops
// answered here, called from api_call() in one place (web/ui/api.cpp).
#include <nlohmann/json.hpp>

#include "sim/glossary.hpp"
#include "web/ui/api.hpp"

namespace relaylab::ui {

namespace {
using json = nlohmann::ordered_json;

std::string ok(const json& result) {
    return json{{"ok", true}, {"result", result}}.dump(-1, ' ', false, json::error_handler_t::replace);
}
std::string fail(const std::string& error) { return json{{"ok", false}, {"error", error}}.dump(); }

json question_json(const sim::QuizQuestion& q) {
    json choices = json::array();
    for (const auto& c : q.choices) {
        json j{{"kind", sim::quiz_kind_name(c.kind)}, {"label", c.label}};
        if (c.kind == sim::QuizKind::reply) {
            j["code"] = c.code;
            j["enhanced"] = c.enhanced;
        }
        if (c.kind == sim::QuizKind::decision) j["outcome"] = trace_outcome_name(c.outcome);
        choices.push_back(j);
    }
    // step: the step (1-based, as state().step counts) whose event the question is about.
    return json{{"step", q.step + 1}, {"kind", sim::quiz_kind_name(q.kind)}, {"prompt", q.prompt}, {"choices", choices}};
}

json score_json(const sim::QuizScore& s) {
    return json{{"answered", s.answered}, {"correct", s.correct}, {"total", s.total}};
}
}  // namespace

void issue14_state(const App& app, nlohmann::ordered_json& s) {
    const Model& model = app.model();
    const auto& p = model.prefs();
    if (s.contains("prefs")) {
        s["prefs"]["beginner"] = p.beginner;
        s["prefs"]["show_all"] = p.show_all;
    }
    const sim::QuizRun* quiz = model.quiz();
    s["quiz"] = quiz ? json{{"active", true}, {"pending", model.quiz_pending() != nullptr}, {"score", score_json(quiz->score())}}
                     : json{{"active", false}, {"pending", false}, {"score", nullptr}};
    s["glossary"] = json{{"open", model.glossary_open()}, {"term", model.glossary_term()}};
}

std::optional<std::string> issue14_api(App& app, const std::string& op, const nlohmann::ordered_json& req) {
    Model& model = app.model();
    if (op == "glossary") {
        json terms = json::array();
        for (const auto& t : sim::glossary()) terms.push_back(json{{"term", t.term}, {"text", t.text}, {"rfc", t.rfc}});
        return ok(terms);
    }
    if (op == "glossaryOpen") {
        const auto it = req.find("term");
        const std::string term = it != req.end() && it->is_string() ? it->get<std::string>() : std::string();
        if (!term.empty() && !sim::find_glossary_term(term)) return fail("no glossary term \"" + term + "\"");
        model.apply(cmd::OpenGlossary{term});
        return ok(json{{"open", true}, {"term", term}});
    }
    if (op == "glossaryClose") {
        model.apply(cmd::CloseGlossary{});
        return ok(json{{"open", false}});
    }
    if (op == "beginner" || op == "showAll") {
        const auto it = req.find("on");
        const bool on = it != req.end() && it->is_boolean() && it->get<bool>();
        if (op == "beginner") model.apply(cmd::SetBeginner{on});
        else model.apply(cmd::SetShowAll{on});
        return ok(json{{"beginner", model.prefs().beginner}, {"show_all", model.prefs().show_all}});
    }
    if (op.rfind("quiz_", 0) != 0) return std::nullopt;
    if (op == "quiz_start") {
        if (!model.apply(cmd::QuizStart{})) return fail("no scenario loaded");
        return ok(score_json(model.quiz()->score()));
    }
    if (op == "quiz_stop") {
        model.apply(cmd::QuizStop{});
        return ok(nullptr);
    }
    const sim::QuizRun* quiz = model.quiz();
    if (!quiz) return fail("no quiz running (relaylab.quiz.start() first)");
    if (op == "quiz_question") {
        const auto* q = model.quiz_pending();
        return ok(q ? question_json(*q) : json(nullptr));
    }
    if (op == "quiz_score") return ok(score_json(quiz->score()));
    if (op == "quiz_answer") {
        const auto it = req.find("i");
        if (it == req.end() || !it->is_number_integer()) return fail("quiz.answer needs a choice number i (0-3)");
        const sim::QuizQuestion* q = model.quiz_pending();
        if (!q) return fail("no question is pending at this step");
        const auto question = *q;  // answering changes nothing of it; kept for the reply
        if (!model.apply(cmd::QuizAnswer{it->get<int>()})) return fail("no choice " + std::to_string(it->get<int>()));
        const sim::QuizAnswer* a = model.quiz()->answer_at(model.step());
        const auto& right = question.choices[question.correct];
        return ok(json{{"correct", a && a->correct},
                       {"expected", right.label},
                       {"expected_index", question.correct},
                       {"explanation", question.explanation},
                       {"rfc", question.rfc}});
    }
    if (op == "quiz_skip") {
        if (!model.apply(cmd::QuizSkip{})) return fail("no question is pending at this step");
        return ok(score_json(model.quiz()->score()));
    }
    if (op == "quiz_continue") {
        if (!model.apply(cmd::QuizContinue{})) return fail("cannot continue: a question is pending, or the run is over");
        return ok(json{{"step", model.step()}});
    }
    return fail("unknown op \"" + op + "\"");
}

}  // namespace relaylab::ui
