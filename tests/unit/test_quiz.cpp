// The predict-the-next-step quiz (sim/quiz.hpp) and the glossary (sim/glossary.hpp), on the
// built-in scenarios: every question's correct choice is the event that really comes next;
// wrong choices come from runs with a switch flipped and from RFC 5321 §4.3.2's table.
#include <doctest/doctest.h>

#include <set>

#include "engine/allowed_replies.hpp"
#include "engine/explain.hpp"
#include "sim/glossary.hpp"
#include "sim/library.hpp"
#include "sim/quiz.hpp"

using namespace relaylab;
using namespace relaylab::sim;

namespace {

Scenario load_builtin(std::string_view name) {
    const auto* b = find_builtin(name);
    REQUIRE(b != nullptr);
    auto load = parse_scenario(b->json);
    INFO(load.error);
    REQUIRE(load.scenario.has_value());
    return *load.scenario;
}

const DnsRecordView* dns_record(const Step& step) {
    for (const auto& c : step.changes)
        if (const auto* d = std::get_if<AddDnsRecord>(&c)) return &d->record;
    return nullptr;
}

// The question's correct choice says what the step's event is.
void check_correct(const Simulation& sim, const QuizQuestion& q) {
    const Step& step = sim.timeline().steps().at(q.step);
    const QuizChoice& c = q.choices.at(q.correct);
    CHECK(c.kind == q.kind);
    CHECK(c.source == "run");
    switch (q.kind) {
        case QuizKind::reply:
            CHECK(step.event.kind == TraceKind::reply);
            CHECK(step.event.reply_line == 0);
            CHECK(c.code == step.event.code);
            CHECK(c.enhanced == step.event.enhanced);
            break;
        case QuizKind::dns:
            REQUIRE(dns_record(step) != nullptr);
            CHECK(c.label == dns_record(step)->answer);
            break;
        case QuizKind::decision:
            CHECK(step.event.kind == TraceKind::queue);
            CHECK(c.outcome == step.event.outcome);
            break;
    }
    const Explanation ex = explain_event(step.event);
    CHECK(q.explanation == ex.text);
    CHECK(q.rfc == ex.rfc);
}

void check_unique(const QuizQuestion& q) {
    INFO("step " << q.step << ": " << q.prompt);
    CHECK(q.choices.size() >= 2);
    CHECK(q.choices.size() <= 4);
    std::set<std::string> labels;
    std::set<std::pair<int, std::string>> codes;
    for (const auto& c : q.choices) {
        CHECK(labels.insert(c.label).second);
        if (q.kind == QuizKind::reply) CHECK(codes.insert({c.code, c.enhanced}).second);
    }
}

const QuizChoice* choice_with(const QuizQuestion& q, int code, std::string_view enhanced) {
    for (const auto& c : q.choices)
        if (c.code == code && c.enhanced == enhanced) return &c;
    return nullptr;
}

}  // namespace

TEST_CASE("quiz: every question's correct choice is the next event (several built-in scenarios)") {
    std::set<QuizKind> all_kinds;
    for (const std::string name : {"happy-path", "greylisting", "user-unknown", "relay-denied", "mx-fallback", "nxdomain",
                             "null-mx", "auth-failed", "rate-limited", "mailbox-full"}) {
        INFO(name);
        const Simulation sim(load_builtin(name));
        const auto questions = quiz_questions(sim);
        REQUIRE(!questions.empty());
        std::set<QuizKind> kinds;
        for (const auto& q : questions) {
            kinds.insert(q.kind);
            check_correct(sim, q);
            check_unique(q);
            CHECK(!q.prompt.empty());
        }
        CHECK(kinds.count(QuizKind::reply) == 1);
        all_kinds.insert(kinds.begin(), kinds.end());
        // Deterministic: the same run gives the same questions.
        const auto again = quiz_questions(sim);
        REQUIRE(again.size() == questions.size());
        for (std::size_t i = 0; i < again.size(); ++i) CHECK(again[i].choices == questions[i].choices);
    }
    CHECK(all_kinds.size() == 3);  // replies, DNS answers and queue decisions are all asked
}

TEST_CASE("quiz: every reply and DNS answer and queue decision is asked, continuation lines are not") {
    const Simulation sim(load_builtin("happy-path"));
    const auto questions = quiz_questions(sim);
    std::set<std::size_t> asked;
    for (const auto& q : questions) asked.insert(q.step);
    const auto& steps = sim.timeline().steps();
    for (std::size_t i = 0; i < steps.size(); ++i) {
        const auto& e = steps[i].event;
        const bool expected = (e.kind == TraceKind::reply && e.reply_line == 0) || e.kind == TraceKind::dns_answer ||
                              (e.kind == TraceKind::queue && e.outcome != TraceOutcome::none && e.outcome != TraceOutcome::ok);
        INFO("step " << i << ": " << e.text);
        CHECK(asked.count(i) == (expected ? 1u : 0u));
    }
}

TEST_CASE("quiz: a flipped switch gives the real alternative (RFC 5321 §4.3.2 RCPT, RFC 6647 greylisting)") {
    // greylisting: the MX answers RCPT with 451 4.7.1; with the switch off, 250 2.1.5.
    const Simulation grey(load_builtin("greylisting"));
    bool seen = false;
    for (const auto& q : quiz_questions(grey)) {
        const auto& e = grey.timeline().steps()[q.step].event;
        if (e.code != 451) continue;
        seen = true;
        CHECK(q.choices[q.correct].enhanced == "4.7.1");
        const QuizChoice* ok = choice_with(q, 250, "2.1.5");
        REQUIRE(ok != nullptr);
        CHECK(ok->source == "switch greylisting");
    }
    CHECK(seen);

    // Relaying denied: a client that skips AUTH on the submission port is refused at RCPT
    // with 550 5.7.1 (RFC 5321 §3.6.2); the run with the switch off accepts with 250 2.1.5.
    Scenario s = load_builtin("happy-path");
    SwitchSpec sw;
    sw.name = "no-login";
    sw.label = "Alice's client does not log in";
    EffectSpec effect;
    effect.type = EffectType::skip_auth;
    effect.message = s.messages.front().id;
    sw.effects.push_back(effect);
    sw.on = true;
    s.switches.push_back(sw);
    const Simulation denied(std::move(s));
    bool denied_seen = false;
    for (const auto& q : quiz_questions(denied)) {
        const auto& e = denied.timeline().steps()[q.step].event;
        if (e.code != 550 && e.code != 530) continue;
        denied_seen = true;
        INFO(q.prompt);
        const QuizChoice* right = &q.choices[q.correct];
        CHECK(right->code == e.code);
        // With the switch flipped (Alice logs in) the same command is accepted.
        bool accepted = false;
        for (const auto& c : q.choices) accepted = accepted || (c.code == 250 && c.source == "switch no-login");
        CHECK(accepted);
        if (e.code == 550) {
            CHECK(e.enhanced == "5.7.1");
            CHECK(choice_with(q, 250, "2.1.5") != nullptr);
        }
    }
    CHECK(denied_seen);
}

TEST_CASE("quiz: padding follows RFC 5321 §4.3.2, one choice per code, sorted by code") {
    const Simulation sim(load_builtin("happy-path"));
    for (const auto& q : quiz_questions(sim)) {
        if (q.kind != QuizKind::reply) continue;
        // Four choices; a greeting has only 220, 554 (§4.3.2) and 421 (§3.8).
        const bool greeting = sim.timeline().steps()[q.step].event.phase == TracePhase::greeting;
        CHECK(q.choices.size() == (greeting ? 3u : 4u));
        std::set<int> codes;
        for (std::size_t i = 0; i < q.choices.size(); ++i) {
            if (i > 0) CHECK(q.choices[i - 1].code <= q.choices[i].code);
            if (q.choices[i].source != "run") CHECK(codes.insert(q.choices[i].code).second);
        }
    }
    // The table itself: RCPT's success codes and errors exactly as §4.3.2 lists them.
    std::set<int> rcpt;
    for (const auto& r : allowed_replies(ReplyTo::command, Verb::rcpt)) rcpt.insert(r.code);
    CHECK(rcpt == std::set<int>{250, 251, 550, 551, 552, 553, 450, 451, 452, 503, 455, 555});
    std::set<int> eod;
    for (const auto& r : allowed_replies(ReplyTo::end_of_data)) eod.insert(r.code);
    CHECK(eod == std::set<int>{250, 552, 554, 451, 452, 450, 550});
    CHECK(find_allowed_reply(ReplyTo::command, Verb::rcpt, 550, "5.7.1")->enhanced == std::string("5.7.1"));
}

TEST_CASE("quiz run: answers, skip, the score, and no stepping past an unanswered question") {
    const Simulation sim(load_builtin("happy-path"));
    QuizRun run(quiz_questions(sim));
    REQUIRE(run.questions().size() >= 3);
    const auto& q0 = run.questions()[0];
    const auto& q1 = run.questions()[1];
    CHECK(run.limit(0, sim.total_steps()) == q0.step);
    CHECK(run.pending(q0.step) == &q0);
    CHECK(!run.answer(q0.step, 7).has_value());  // out of range
    const int wrong = q0.correct == 0 ? 1 : 0;
    const auto a = run.answer(q0.step, wrong);
    REQUIRE(a.has_value());
    CHECK(!a->correct);
    CHECK(run.pending(q0.step) == nullptr);
    CHECK(!run.answer(q0.step, static_cast<int>(q0.correct)).has_value());  // answered once only
    CHECK(run.limit(q0.step, sim.total_steps()) == q1.step);
    CHECK(run.answer(q1.step, static_cast<int>(q1.correct))->correct);
    CHECK(run.skip(run.questions()[2].step));
    const auto s = run.score();
    CHECK(s.answered == 2);
    CHECK(s.correct == 1);
    CHECK(s.total == run.questions().size());
    CHECK(run.limit(10, 3) == 3);  // backwards is free
}

TEST_CASE("glossary: unique terms, short definitions, every chip of an explanation names a term") {
    std::set<std::string> terms;
    for (const auto& t : glossary()) {
        INFO(t.term);
        CHECK(terms.insert(t.term).second);
        CHECK(std::string_view(t.text).size() > 20);
        CHECK(!t.mentions.empty());
    }
    for (const char* must : {"MUA", "MSA", "MTA", "MDA", "MX", "DSN", "envelope vs header", "bounce", "backscatter",
                             "greylisting", "STARTTLS", "SMTPUTF8", "8BITMIME", "PIPELINING", "CHUNKING/BDAT", "null MX",
                             "SPF", "DKIM", "DMARC", "smarthost", "relay", "open relay", "submission", "implicit TLS",
                             "enhanced status code", "queue", "retry"})
        CHECK_MESSAGE(terms.count(must) == 1, must);
    // Whole words only: a host name is not the word "relay", STARTTLS is not "TLS".
    CHECK(glossary_terms_in("relay.lab.test says hello") == std::vector<std::string>{});
    CHECK(glossary_terms_in("STARTTLS first") == std::vector<std::string>{"STARTTLS"});
    CHECK(glossary_terms_in("The MX is down; the message was bounced.") == std::vector<std::string>{"MX", "bounce"});
    // Every explanation of every built-in run: the chips it gets are glossary terms, and the
    // runs mention a good part of the glossary.
    std::set<std::string> used;
    for (const auto& b : builtin_scenarios()) {
        const Simulation sim(load_builtin(b.name));
        for (const auto& step : sim.timeline().steps())
            for (const auto& term : glossary_terms_in(explain_event(step.event).text)) {
                CHECK_MESSAGE(find_glossary_term(term) != nullptr, term);
                used.insert(term);
            }
    }
    CHECK(used.size() >= 10);
    CHECK(used.count("MX") == 1);
    CHECK(used.count("greylisting") == 1);
}
