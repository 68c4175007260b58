// Typed trace events from the server session: what happened is data (phase, verb, reply
// code and class, raw wire bytes, the AUTH secret span), and explain_event() turns it into
// prose at the edge. RFC 5321 §4.1.1 (commands), §4.2.1 (reply classes), RFC 4954 §4 (AUTH).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "engine/base64.hpp"
#include "engine/explain.hpp"
#include "engine/server_session.hpp"

using namespace relaylab;

namespace {

// Feeds the chunks one by one and accepts whatever the session asks the host; the trace of
// the whole conversation comes back.
std::vector<TraceEvent> converse(const ServerConfig& cfg, const std::vector<std::string>& chunks,
                                 bool tls_active = false) {
    ServerSession s(cfg, 1000, tls_active);
    std::int64_t now = 1000;
    for (const auto& c : chunks) {
        s.feed(c, now += 10);
        while (auto ev = s.next_event()) {
            if (std::holds_alternative<MessageEvent>(*ev)) s.accept_message("Q1");
            else if (!std::holds_alternative<StartTlsEvent>(*ev)) s.accept();
        }
        (void)s.take_output();
    }
    return s.take_trace();
}

ServerConfig submission() {
    ServerConfig c;
    c.role = Role::submission;
    return c;
}

const std::string k_secret = base64_encode(std::string("\0alice\0s3cret", 13));

const TraceEvent* first(const std::vector<TraceEvent>& t, TraceKind kind, Verb verb) {
    for (const auto& e : t)
        if (e.kind == kind && e.verb == verb) return &e;
    return nullptr;
}

}  // namespace

TEST_CASE("trace: a reply carries the phase of the command it answers (RFC 5321 §4.1.1)") {
    const auto t = converse(ServerConfig{}, {"EHLO c.example\r\n", "MAIL FROM:<a@example.org>\r\n",
                                             "RCPT TO:<b@relay.lab.test>\r\n", "DATA\r\n", "Hi\r\n.\r\n",
                                             "QUIT\r\n"});
    std::vector<std::pair<int, TracePhase>> replies;
    for (const auto& e : t)
        if (e.kind == TraceKind::reply && e.reply_line == 0) replies.emplace_back(e.code, e.phase);
    const std::vector<std::pair<int, TracePhase>> want = {
        {220, TracePhase::greeting}, {250, TracePhase::ehlo},    {250, TracePhase::envelope},
        {250, TracePhase::envelope}, {354, TracePhase::content}, {250, TracePhase::content},
        {221, TracePhase::connect}};
    CHECK(replies == want);
    const TraceEvent* mail = first(t, TraceKind::command, Verb::mail);
    REQUIRE(mail);
    CHECK(mail->phase == TracePhase::envelope);
    CHECK(mail->wire == "MAIL FROM:<a@example.org>\r\n");
    CHECK(mail->text == "MAIL FROM:<a@example.org>");
}

TEST_CASE("trace: reply lines are typed (RFC 5321 §4.2.1 classes, RFC 3463 codes)") {
    const auto t = converse(ServerConfig{}, {"EHLO c.example\r\n", "RCPT TO:<b@relay.lab.test>\r\n",
                                             "MAIL FROM:<a@example.org>\r\n", "AUTH\r\n"});
    int ehlo_lines = 0;
    for (const auto& e : t) {
        if (e.kind != TraceKind::reply) continue;
        CAPTURE(e.text);
        CHECK(e.text.substr(0, 3) == std::to_string(e.code));
        CHECK(e.reply_class == reply_class_of(e.code));
        CHECK(e.wire.ends_with("\r\n"));
        if (e.phase == TracePhase::ehlo) CHECK(e.reply_line == ehlo_lines++);
    }
    CHECK(ehlo_lines > 3);
    CHECK(reply_class_of(220) == ReplyClass::positive);
    CHECK(reply_class_of(354) == ReplyClass::intermediate);
    CHECK(reply_class_of(451) == ReplyClass::transient);
    CHECK(reply_class_of(503) == ReplyClass::permanent);
    CHECK(reply_class_of(0) == ReplyClass::none);
    CHECK(reply_class_of(99) == ReplyClass::none);
    CHECK(reply_class_of(600) == ReplyClass::none);
    // RCPT before MAIL: 503 5.5.1, bad sequence of commands (RFC 5321 §4.1.4, §4.2.4).
    bool bad_sequence = false;
    for (const auto& e : t)
        bad_sequence |= e.kind == TraceKind::reply && e.code == 503 && e.enhanced == "5.5.1" &&
                        e.reply_class == ReplyClass::permanent && e.phase == TracePhase::envelope;
    CHECK(bad_sequence);
}

TEST_CASE("trace: explanations are computed from the typed fields") {
    const auto t = converse(ServerConfig{}, {"EHLO c.example\r\n", "NOOP\r\n", "MAIL FROM:<a@example.org>\r\n",
                                             "RCPT TO:<b@relay.lab.test>\r\n", "DATA\r\n", "Hi\rthere\r\n.\r\n"});
    for (const auto& e : t) {
        CAPTURE(e.text);
        // The session writes no prose at all: wire lines, state changes and notices are data.
        CHECK(e.explain.empty());
        CHECK(e.rfc.empty());
        CHECK_FALSE(explain_event(e).text.empty());
    }
    // The content and the bare CR in it are typed notices (RFC 5321 §4.1.1.4, §2.3.8).
    std::vector<TraceNote> notes;
    for (const auto& e : t)
        if (e.note != TraceNote::none) notes.push_back(e.note);
    CHECK(notes == std::vector<TraceNote>{TraceNote::content, TraceNote::bare_line_ending});
    for (const auto& e : t)
        if (e.note == TraceNote::content) {
            CHECK(e.kind == TraceKind::data);
            CHECK(e.phase == TracePhase::content);
            CHECK(explain_event(e).rfc == "RFC 5321 §4.1.1.4");
        }
    const TraceEvent* ehlo = first(t, TraceKind::command, Verb::ehlo);
    REQUIRE(ehlo);
    CHECK(explain_event(*ehlo).rfc == "RFC 5321 §4.1.1.1");
    for (const auto& e : t)
        if (e.kind == TraceKind::reply && e.text == "250-PIPELINING") CHECK(explain_event(e).rfc == "RFC 2920");
    // RFC 5321 §4.1.4: after EHLO the session is ready for MAIL.
    bool greeted_to_ready = false;
    for (const auto& e : t)
        if (e.kind == TraceKind::state && e.state_before == "greeted" && e.state_after == "ready") {
            greeted_to_ready = true;
            CHECK(e.text == "greeted -> ready");
            CHECK(explain_event(e).rfc == "RFC 5321 §4.1.4");
        }
    CHECK(greeted_to_ready);
    // A composed event keeps its own words.
    TraceEvent note;
    note.explain = "said by the simulator";
    note.rfc = "RFC 5321 §5.1";
    CHECK(explain_event(note).text == "said by the simulator");
    CHECK(explain_event(note).rfc == "RFC 5321 §5.1");
}

TEST_CASE("trace: the relay masks AUTH credentials by default (RFC 4954 §4)") {
    REQUIRE(ServerConfig{}.mask_secrets);
    SUBCASE("initial response") {
        const auto t = converse(submission(), {"EHLO c.example\r\n", "AUTH PLAIN " + k_secret + "\r\n"}, true);
        const TraceEvent* auth = first(t, TraceKind::command, Verb::auth);
        REQUIRE(auth);
        CHECK(auth->phase == TracePhase::auth);
        CHECK(auth->text == "AUTH PLAIN <credentials hidden>");
        CHECK(auth->wire == "AUTH PLAIN <credentials hidden>\r\n");
        CHECK(auth->wire.find(k_secret) == std::string::npos);
        REQUIRE(auth->has_secret());
        CHECK(auth->wire.substr(auth->secret_begin, auth->secret_end - auth->secret_begin) == "<credentials hidden>");
        // The reply to AUTH is in the auth phase too: 235 2.7.0 (RFC 4954 §6).
        bool ok = false;
        for (const auto& e : t) ok |= e.kind == TraceKind::reply && e.code == 235 && e.phase == TracePhase::auth;
        CHECK(ok);
    }
    SUBCASE("continuation lines of AUTH LOGIN") {
        const std::string user = base64_encode("alice"), pass = base64_encode("s3cret");
        const auto t = converse(submission(), {"EHLO c.example\r\n", "AUTH LOGIN\r\n", user + "\r\n", pass + "\r\n"},
                                true);
        int secrets = 0;
        for (const auto& e : t) {
            if (e.kind != TraceKind::command || !e.has_secret()) continue;
            ++secrets;
            CHECK(e.verb == Verb::auth);
            CHECK(e.phase == TracePhase::auth);
            CHECK(e.secret_begin == 0);
            CHECK(e.text == "<credentials hidden>");
            CHECK(e.wire.find(user) == std::string::npos);
            CHECK(e.wire.find(pass) == std::string::npos);
            CHECK(explain_event(e).rfc == "RFC 4954 §4");
        }
        CHECK(secrets == 2);
        // The 334 challenges belong to the exchange.
        for (const auto& e : t)
            if (e.kind == TraceKind::reply && e.code == 334) CHECK(e.phase == TracePhase::auth);
    }
}

TEST_CASE("trace: with mask_secrets off the span marks the real credentials") {
    ServerConfig c = submission();
    c.mask_secrets = false;
    const auto t = converse(c, {"EHLO c.example\r\n", "AUTH PLAIN " + k_secret + "\r\n"}, true);
    const TraceEvent* auth = first(t, TraceKind::command, Verb::auth);
    REQUIRE(auth);
    REQUIRE(auth->has_secret());
    CHECK(auth->wire == "AUTH PLAIN " + k_secret + "\r\n");
    CHECK(auth->wire.substr(auth->secret_begin, auth->secret_end - auth->secret_begin) == k_secret);
    CHECK(auth->text == "AUTH PLAIN " + k_secret);
}

TEST_CASE("trace: name tables") {
    CHECK(std::string(trace_phase_name(TracePhase::envelope)) == "envelope");
    CHECK(std::string(trace_phase_name(TracePhase::dsn)) == "dsn");
    CHECK(std::string(reply_class_name(ReplyClass::transient)) == "transient");
    CHECK(std::string(trace_outcome_name(TraceOutcome::timed_out)) == "timed_out");
    CHECK(std::string(trace_kind_name(TraceKind::dns_answer)) == "dns_answer");
    CHECK(std::string(trace_note_name(TraceNote::idle_timeout)) == "idle_timeout");
    CHECK(trace_phase_of(Verb::rset) == TracePhase::envelope);
    CHECK(trace_phase_of(Verb::bdat) == TracePhase::content);
    CHECK(trace_phase_of(Verb::starttls) == TracePhase::tls);
}
