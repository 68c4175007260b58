#include "sim/quiz.hpp"

#include <algorithm>
#include <deque>
#include <tuple>

#include "engine/allowed_replies.hpp"
#include "engine/explain.hpp"
#include "sim/world.hpp"

namespace relaylab::sim {

const char* quiz_kind_name(QuizKind kind) {
    switch (kind) {
        case QuizKind::reply: return "reply";
        case QuizKind::dns: return "dns";
        case QuizKind::decision: return "decision";
    }
    return "reply";
}

namespace {

constexpr std::size_t k_choices = 4;

// A point of a run a question is asked at, with what identifies "the same point" in a run
// with a switch flipped: its key, and how many points with that key came before it.
struct Point {
    QuizKind kind = QuizKind::reply;
    std::string key;
    std::size_t ordinal = 0;
    ReplyTo reply_to = ReplyTo::command;  // replies: what they answer
    Verb verb = Verb::unknown;
    std::string command;                  // replies to a command: its line as shown
    const DnsRecordView* dns = nullptr;   // DNS answers: the record
};

// What each connection (client → server) has sent that awaits a reply.
struct Pending {
    bool greeted = false;
    bool awaiting_content = false;  // DATA got 354: the content comes next
    struct Item { ReplyTo to; Verb verb; std::string line; };
    std::deque<Item> items;
};

bool is_decision(const TraceEvent& e) {
    if (e.kind != TraceKind::queue) return false;
    return e.outcome == TraceOutcome::delivered || e.outcome == TraceOutcome::relayed ||
           e.outcome == TraceOutcome::deferred || e.outcome == TraceOutcome::bounced;
}

std::vector<std::optional<Point>> points_of(const std::vector<Step>& steps) {
    std::vector<std::optional<Point>> out(steps.size());
    std::map<std::string, Pending> conns;  // "client|server"
    std::map<std::string, std::size_t> seen;
    auto conn_key = [](const std::string& client, const std::string& server) { return client + "|" + server; };
    for (std::size_t i = 0; i < steps.size(); ++i) {
        const auto& e = steps[i].event;
        Point p;
        bool asked = false;
        if (e.kind == TraceKind::connect && e.outcome == TraceOutcome::none) {
            conns[conn_key(e.from, e.to)] = Pending{};  // a new connection (or its end)
        } else if (e.kind == TraceKind::command) {
            auto& c = conns[conn_key(e.from, e.to)];
            c.items.push_back({ReplyTo::command, e.verb, trace_text_hiding_secret(e)});
        } else if (e.kind == TraceKind::data) {
            auto& c = conns[conn_key(e.from, e.to)];
            if (c.awaiting_content) c.items.push_back({ReplyTo::end_of_data, Verb::data, ""});
            c.awaiting_content = false;
        } else if (e.kind == TraceKind::reply && e.reply_line == 0) {
            auto& c = conns[conn_key(e.to, e.from)];
            Pending::Item item{ReplyTo::command, Verb::unknown, ""};
            if (!c.greeted && c.items.empty()) {
                item.to = ReplyTo::greeting;
            } else if (!c.items.empty()) {
                item = c.items.front();
                c.items.pop_front();
            }
            c.greeted = true;
            if (item.to == ReplyTo::command && item.verb == Verb::data && e.code == 354) c.awaiting_content = true;
            p.kind = QuizKind::reply;
            p.reply_to = item.to;
            p.verb = item.verb;
            p.command = item.line;
            p.key = "reply|" + e.from + "|" + e.to + "|" + std::to_string(static_cast<int>(item.to)) + "|" +
                    (item.to == ReplyTo::command ? verb_name(item.verb) : "");
            asked = true;
        } else if (e.kind == TraceKind::dns_answer) {
            for (const auto& ch : steps[i].changes)
                if (const auto* d = std::get_if<AddDnsRecord>(&ch)) p.dns = &d->record;
            if (p.dns) {
                p.kind = QuizKind::dns;
                p.key = "dns|" + p.dns->resolver_of + "|" + p.dns->question;
                asked = true;
            }
        } else if (is_decision(e)) {
            p.kind = QuizKind::decision;
            p.key = "queue|" + e.from + "|" + steps[i].message;
            asked = true;
        }
        if (!asked) continue;
        p.ordinal = seen[p.key]++;
        out[i] = std::move(p);
    }
    return out;
}

QuizChoice reply_choice(const Point& p, const TraceEvent& e, std::string source) {
    QuizChoice c;
    c.kind = QuizKind::reply;
    c.code = e.code;
    c.enhanced = e.enhanced;
    c.source = std::move(source);
    std::string text;
    const auto table = allowed_replies(p.reply_to, p.verb);
    for (const auto& r : table)
        if (r.code == e.code && e.enhanced == r.enhanced) text = r.text;
    if (text.empty()) {
        // The server's own words after the code and enhanced code.
        text = e.text.size() > 4 ? e.text.substr(4) : std::string();
        if (!e.enhanced.empty() && text.rfind(e.enhanced, 0) == 0) text.erase(0, std::min(text.size(), e.enhanced.size() + 1));
    }
    c.label = std::to_string(e.code);
    if (!e.enhanced.empty()) c.label.append(" ").append(e.enhanced);
    if (!text.empty()) c.label.append(" ").append(text);
    return c;
}

QuizChoice allowed_choice(const AllowedReply& r) {
    QuizChoice c;
    c.kind = QuizKind::reply;
    c.code = r.code;
    c.enhanced = r.enhanced;
    c.source = r.rfc;
    c.label = std::to_string(r.code);
    if (*r.enhanced) c.label.append(" ").append(r.enhanced);
    c.label.append(" ").append(r.text);
    return c;
}

QuizChoice dns_choice(const DnsRecordView& d, std::string source) {
    QuizChoice c;
    c.kind = QuizKind::dns;
    c.label = d.answer;
    c.source = std::move(source);
    return c;
}

QuizChoice decision_choice(TraceOutcome outcome, std::string source) {
    QuizChoice c;
    c.kind = QuizKind::decision;
    c.outcome = outcome;
    c.source = std::move(source);
    switch (outcome) {
        case TraceOutcome::delivered: c.label = "deliver: store it in a mailbox here"; break;
        case TraceOutcome::relayed: c.label = "relay: handed on to the next server, done here"; break;
        case TraceOutcome::captured: c.label = "capture: keep it in the inbox here, send nothing on"; break;
        case TraceOutcome::deferred: c.label = "defer: keep it queued and try again later"; break;
        default: c.label = "bounce: give up and send a notice to the sender"; break;
    }
    return c;
}

bool same_choice(const QuizChoice& a, const QuizChoice& b) {
    if (a.kind != b.kind) return false;
    switch (a.kind) {
        case QuizKind::reply: return a.code == b.code && a.enhanced == b.enhanced;
        case QuizKind::dns: return a.label == b.label;
        case QuizKind::decision: return a.outcome == b.outcome;
    }
    return false;
}

struct FlippedRun {
    std::string name;
    RunResult run;
    std::map<std::pair<std::string, std::size_t>, std::size_t> at;  // (key, ordinal) → step index
    std::vector<std::optional<Point>> points;
};

std::string prompt_for(const Point& p, const Step& step) {
    const auto& e = step.event;
    switch (p.kind) {
        case QuizKind::reply:
            if (p.reply_to == ReplyTo::greeting)
                return e.to + " has connected to " + e.from + ". What does " + e.from + " say first?";
            if (p.reply_to == ReplyTo::end_of_data)
                return e.to + " has sent the message content, ending with the \".\" line. What does " + e.from + " reply?";
            if (!p.command.empty()) return e.to + " sent \"" + p.command + "\". What does " + e.from + " reply?";
            return "What does " + e.from + " say to " + e.to + " next?";
        case QuizKind::dns:
            return p.dns->resolver_of + " asks DNS for \"" + p.dns->question + "\". What is the answer?";
        case QuizKind::decision:
            return "The delivery attempt is over. What does " + e.from + "'s queue decide for message " +
                   (step.message.empty() ? std::string("(a notice)") : step.message) + "?";
    }
    return {};
}

}  // namespace

std::vector<QuizQuestion> quiz_questions(const Simulation& sim, const std::vector<bool>* offered) {
    const auto& steps = sim.timeline().steps();
    const auto base = points_of(steps);
    // The same world with each switch flipped in turn (from where the switches stand now).
    std::vector<FlippedRun> flipped;
    const auto& specs = sim.scenario().switches;
    for (std::size_t i = 0; i < specs.size(); ++i) {
        if (offered && (i >= offered->size() || !(*offered)[i])) continue;
        FlippedRun f;
        f.name = specs[i].name;
        SwitchOverrides overrides = sim.switches();
        overrides[f.name] = !sim.switch_on(f.name);
        f.run = run_world(sim.scenario(), overrides, sim.seed());
        f.points = points_of(f.run.steps);
        for (std::size_t k = 0; k < f.points.size(); ++k)
            if (f.points[k]) f.at[{f.points[k]->key, f.points[k]->ordinal}] = k;
        flipped.push_back(std::move(f));
    }

    std::vector<QuizQuestion> out;
    for (std::size_t i = 0; i < steps.size(); ++i) {
        if (!base[i]) continue;
        const Point& p = *base[i];
        const auto& e = steps[i].event;
        QuizQuestion q;
        q.step = i;
        q.kind = p.kind;
        q.prompt = prompt_for(p, steps[i]);
        const Explanation ex = explain_event(e);
        q.explanation = ex.text;
        q.rfc = ex.rfc;

        std::vector<QuizChoice> choices;
        auto add = [&](QuizChoice c) {
            for (const auto& have : choices)
                if (same_choice(have, c)) return;
            choices.push_back(std::move(c));
        };
        QuizChoice right;
        if (p.kind == QuizKind::reply) right = reply_choice(p, e, "run");
        else if (p.kind == QuizKind::dns) right = dns_choice(*p.dns, "run");
        else right = decision_choice(e.outcome, "run");
        add(right);
        // What the same point shows with each switch flipped.
        for (const auto& f : flipped) {
            if (choices.size() >= k_choices) break;
            const auto it = f.at.find({p.key, p.ordinal});
            if (it == f.at.end()) continue;
            const Point& fp = *f.points[it->second];
            const auto& fe = f.run.steps[it->second].event;
            const std::string source = "switch " + f.name;
            if (p.kind == QuizKind::reply) add(reply_choice(fp, fe, source));
            else if (p.kind == QuizKind::dns) add(dns_choice(*fp.dns, source));
            else add(decision_choice(fe.outcome, source));
        }
        // Padding: other replies the RFCs allow there (one per code), other DNS results,
        // the other queue decisions.
        auto has_code = [&](int code) {
            return std::any_of(choices.begin(), choices.end(), [&](const QuizChoice& c) { return c.code == code; });
        };
        if (p.kind == QuizKind::reply) {
            for (const auto& r : allowed_replies(p.reply_to, p.verb))
                if (choices.size() < k_choices && !has_code(r.code)) add(allowed_choice(r));
            for (const auto& r : replies_to_any_command()) {
                if (choices.size() >= k_choices) break;
                if (p.reply_to != ReplyTo::command && r.code != 421) continue;  // 500-502 answer commands only
                if (!has_code(r.code)) add(allowed_choice(r));
            }
            std::sort(choices.begin(), choices.end(), [](const QuizChoice& a, const QuizChoice& b) {
                return std::tie(a.code, a.enhanced) < std::tie(b.code, b.enhanced);
            });
        } else if (p.kind == QuizKind::dns) {
            for (DnsStatus s : {DnsStatus::nxdomain, DnsStatus::nodata, DnsStatus::servfail, DnsStatus::timeout}) {
                if (choices.size() >= k_choices) break;
                QuizChoice c;
                c.kind = QuizKind::dns;
                c.label = dns_status_text(s);
                c.source = "RFC 1035 §4.1.1";
                add(std::move(c));
            }
            std::sort(choices.begin(), choices.end(), [](const QuizChoice& a, const QuizChoice& b) { return a.label < b.label; });
        } else {
            std::vector<QuizChoice> fixed;
            for (TraceOutcome o : {TraceOutcome::delivered, TraceOutcome::relayed, TraceOutcome::deferred, TraceOutcome::bounced}) {
                QuizChoice c = decision_choice(o, "RFC 5321 §4.5.4, §6.1");
                for (const auto& have : choices)
                    if (same_choice(have, c)) c.source = have.source;
                fixed.push_back(std::move(c));
            }
            choices = std::move(fixed);
        }
        for (std::size_t k = 0; k < choices.size(); ++k)
            if (same_choice(choices[k], right)) q.correct = k;
        q.choices = std::move(choices);
        out.push_back(std::move(q));
    }
    return out;
}

QuizRun::QuizRun(std::vector<QuizQuestion> questions) : questions_(std::move(questions)) {}

const QuizQuestion* QuizRun::question_at(std::size_t step) const {
    const auto it = std::lower_bound(questions_.begin(), questions_.end(), step,
                                     [](const QuizQuestion& q, std::size_t s) { return q.step < s; });
    return it != questions_.end() && it->step == step ? &*it : nullptr;
}

const QuizQuestion* QuizRun::pending(std::size_t step) const {
    const QuizQuestion* q = question_at(step);
    return q && !answers_.count(step) ? q : nullptr;
}

const QuizAnswer* QuizRun::answer_at(std::size_t step) const {
    const auto it = answers_.find(step);
    return it == answers_.end() ? nullptr : &it->second;
}

std::optional<QuizAnswer> QuizRun::answer(std::size_t step, int choice) {
    const QuizQuestion* q = pending(step);
    if (!q || choice < 0 || static_cast<std::size_t>(choice) >= q->choices.size()) return std::nullopt;
    QuizAnswer a{choice, static_cast<std::size_t>(choice) == q->correct};
    answers_[step] = a;
    return a;
}

bool QuizRun::skip(std::size_t step) {
    if (!pending(step)) return false;
    answers_[step] = QuizAnswer{-1, false};
    return true;
}

std::size_t QuizRun::limit(std::size_t from, std::size_t to) const {
    if (to <= from) return to;
    for (const auto& q : questions_)
        if (q.step >= from && q.step < to && !answers_.count(q.step)) return q.step;
    return to;
}

QuizScore QuizRun::score() const {
    QuizScore s;
    s.total = questions_.size();
    for (const auto& [step, a] : answers_) {
        if (a.choice < 0) continue;  // skipped
        ++s.answered;
        if (a.correct) ++s.correct;
    }
    return s;
}

}  // namespace relaylab::sim
