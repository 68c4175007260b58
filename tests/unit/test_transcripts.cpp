// Transcript tests: SMTP dialogs in tests/transcripts/*.txt, run in memory against
// ServerSession on a virtual clock (in the spirit of chasquid's .cmy scripts and
// OpenSMTPD's smtpscript). Each file is its own SUBCASE.
//
// File format, one directive per line:
//   # text                 comment; the first one names the behaviour and its RFC section
//   config k=v ...         before any other directive; keys:
//                            role=mx|submission|submissions
//                            tls=yes|no|active     (certificate available / none / implicit TLS)
//                            max_size=N max_recipients=N max_errors=N max_line=N max_text_line=N
//                            pipelining|chunking|8bitmime|smtputf8|dsn|auth=on|off
//                            strict_8bitmime=on|off  (refuse undeclared 8-bit content)
//                            command_timeout=MS data_timeout=MS min_data_rate=BPS max_junk=N
//   S: pattern             the next line the server sent; "*" matches any run of characters
//   C: text                the client sends text + CRLF
//   R: text                the client sends raw bytes: \r \n \t \0 \\ \xNN escapes, nothing added
//   host: accept           how the host answers the next event that needs an answer
//   host: reject 550 5.7.1 text
//   host: queue Q123       (a message: "250 2.0.0 Ok: queued as Q123")
//   host: hold             leave the next such event unanswered, until "answer ..."
//   answer accept|reject ...|queue ID   answer the held event now
//   E: pattern             the next event the session produced (see summary() below); once a
//                          file uses E:, every event must be matched. A message reads
//                          "MESSAGE <from> -> <to> ..., N bytes[, bdat][, 8bit]"
//   time +MS               advance the virtual clock; on_timeout() fires when due
//   tls [version]          the host completed the TLS handshake after STARTTLS
//   eof                    the client closes its side
//   close                  the session must want to close now
//   open                   the session must not want to close now
// Unanswered events with no "host:" instruction are accepted (a message: "Ok: queued").
// Every line the server sends must be matched by an S: line before the next client action
// and at the end of the file.
#include <doctest/doctest.h>

#include <algorithm>
#include <deque>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "engine/server_session.hpp"

using namespace relaylab;

namespace {

bool glob_match(std::string_view pattern, std::string_view text) {
    std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
    while (t < text.size()) {
        if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            mark = t;
        } else if (p < pattern.size() && pattern[p] == text[t]) {
            ++p;
            ++t;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            t = ++mark;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*') ++p;
    return p == pattern.size();
}

std::string unescape(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '\\' || i + 1 >= s.size()) {
            out += s[i];
            continue;
        }
        char c = s[++i];
        switch (c) {
            case 'r': out += '\r'; break;
            case 'n': out += '\n'; break;
            case 't': out += '\t'; break;
            case '0': out += '\0'; break;
            case '\\': out += '\\'; break;
            case 'x':
                if (i + 2 < s.size()) {
                    out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
                    i += 2;
                }
                break;
            default: out += '\\'; out += c;
        }
    }
    return out;
}

// "<local@domain>" built by appending (GCC 12 warns falsely on "x" + std::string at -O3).
std::string path_text(const Path& p) {
    if (p.null) return "<>";
    std::string s = "<";
    s += p.mailbox.local_part;
    if (!p.mailbox.domain.empty()) {
        s += '@';
        s += p.mailbox.domain;
    }
    s += '>';
    return s;
}

std::string summary(const ServerEvent& ev) {
    std::string s;
    if (auto h = std::get_if<HeloEvent>(&ev)) {
        s = h->extended ? "EHLO " : "HELO ";
        s += h->domain;
        return s;
    }
    if (auto m = std::get_if<MailEvent>(&ev)) {
        s = "MAIL ";
        s += path_text(m->from);
        return s;
    }
    if (auto r = std::get_if<RcptEvent>(&ev)) {
        s = "RCPT ";
        s += path_text(r->to);
        return s;
    }
    if (auto a = std::get_if<AuthEvent>(&ev)) {
        s = "AUTH ";
        s += a->mechanism;
        s += ' ';
        s += a->username;
        return s;
    }
    if (std::holds_alternative<StartTlsEvent>(ev)) return "STARTTLS";
    if (auto m = std::get_if<MessageEvent>(&ev)) {
        s = "MESSAGE ";
        s += path_text(m->envelope.from);
        s += " ->";
        for (const auto& r : m->envelope.rcpts) {
            s += ' ';
            s += path_text(r.first);
        }
        s += ", ";
        s += std::to_string(m->content.size());
        s += " bytes";
        if (m->envelope.bdat) s += ", bdat";
        if (m->envelope.content_8bit) s += ", 8bit";
        return s;
    }
    if (std::holds_alternative<ResetEvent>(ev)) return "RESET";
    if (std::holds_alternative<QuitEvent>(ev)) return "QUIT";
    return "?";
}

struct Answer {
    enum Kind { accept, reject, queue, hold } kind = accept;
    Reply reply;
    std::string id;
};

// "accept" | "reject 550 5.7.1 text" | "queue ID" | "hold"
bool parse_answer(std::string_view s, Answer& a) {
    if (s == "accept") {
        a.kind = Answer::accept;
        return true;
    }
    if (s == "hold") {
        a.kind = Answer::hold;
        return true;
    }
    if (s.substr(0, 6) == "queue ") {
        a.kind = Answer::queue;
        a.id = std::string(s.substr(6));
        return true;
    }
    if (s.substr(0, 7) == "reject ") {
        std::string rest(s.substr(7));
        std::istringstream in(rest);
        int code = 0;
        std::string enhanced;
        in >> code >> enhanced;
        std::string text;
        std::getline(in, text);
        if (!text.empty() && text.front() == ' ') text.erase(0, 1);
        a.kind = Answer::reject;
        a.reply = make_reply(code, enhanced, text);
        return code >= 400;
    }
    return false;
}

class TranscriptRunner {
public:
    // bytewise: client bytes are fed one at a time (events answered after each byte, output
    // taken once per directive); the expectations must hold for any split of the input.
    explicit TranscriptRunner(std::string name, bool bytewise = false) : name_(std::move(name)), bytewise_(bytewise) {}

    // Returns an empty string on success, else "line N: what went wrong".
    std::string run(std::istream& in) {
        std::string raw;
        while (std::getline(in, raw)) {
            ++line_no_;
            if (!raw.empty() && raw.back() == '\r') raw.pop_back();
            std::string_view line = raw;
            if (line.empty() || line.front() == '#') continue;
            std::string err = step(line);
            if (!err.empty()) return "line " + std::to_string(line_no_) + ": " + err;
        }
        ensure_session();
        collect();
        if (!pending_.empty()) return "end of file: unexpected server line \"" + pending_.front() + "\"";
        if (!answers_.empty()) return "end of file: a host: instruction was never used";
        if (held_) return "end of file: an event is still held";
        if (strict_events_ && next_event_ < events_.size())
            return "end of file: unexpected event \"" + events_[next_event_] + "\"";
        return {};
    }

private:
    std::string step(std::string_view line) {
        auto rest_after = [&](std::size_t n) { return line.size() > n ? line.substr(n) : std::string_view(); };
        if (line.substr(0, 7) == "config ") {
            if (session_) return "config after the session started";
            return configure(rest_after(7));
        }
        ensure_session();
        if (line.substr(0, 3) == "S: " || line == "S:") {
            collect();
            if (pending_.empty()) return "expected server line \"" + std::string(rest_after(3)) + "\", got nothing";
            std::string got = pending_.front();
            pending_.pop_front();
            if (!glob_match(rest_after(3), got))
                return "expected server line \"" + std::string(rest_after(3)) + "\", got \"" + got + "\"";
            return {};
        }
        if (line.substr(0, 3) == "E: ") {
            strict_events_ = true;
            if (next_event_ >= events_.size()) return "expected event \"" + std::string(rest_after(3)) + "\", got none";
            std::string got = events_[next_event_++];
            if (!glob_match(rest_after(3), got))
                return "expected event \"" + std::string(rest_after(3)) + "\", got \"" + got + "\"";
            return {};
        }
        if (line.substr(0, 6) == "host: ") {
            Answer a;
            if (!parse_answer(rest_after(6), a)) return "bad host instruction";
            answers_.push_back(a);
            return {};
        }
        // Everything below is an action of the client, the host or the clock.
        if (auto err = check_quiet(); !err.empty()) return err;
        if (line.substr(0, 3) == "C: " || line == "C:") {
            std::string bytes(rest_after(3));
            bytes += "\r\n";
            now_ += 1;
            feed(bytes);
        } else if (line.substr(0, 3) == "R: ") {
            now_ += 1;
            feed(unescape(rest_after(3)));
        } else if (line.substr(0, 7) == "answer ") {
            Answer a;
            if (!parse_answer(rest_after(7), a) || a.kind == Answer::hold) return "bad answer";
            if (!held_) return "answer without a held event";
            held_ = false;
            if (!give(a)) return "the session refused the answer";
        } else if (line.substr(0, 6) == "time +") {
            now_ += std::stoll(std::string(rest_after(6)));
            if (now_ >= session_->next_deadline()) session_->on_timeout(now_);
        } else if (line == "tls" || line.substr(0, 4) == "tls ") {
            std::string version = line.size() > 4 ? std::string(line.substr(4)) : "TLSv1.3";
            if (!session_->tls_established(version, now_)) return "tls_established refused (no STARTTLS pending)";
        } else if (line == "eof") {
            session_->feed_eof(now_);
        } else if (line == "close") {
            collect();
            if (!session_->wants_close()) return "session should want to close";
            return {};
        } else if (line == "open") {
            collect();
            if (session_->wants_close()) return "session should not want to close";
            return {};
        } else {
            return "unknown directive \"" + std::string(line) + "\"";
        }
        drain();
        return {};
    }

    std::string configure(std::string_view args) {
        std::istringstream in{std::string(args)};
        std::string kv;
        while (in >> kv) {
            auto eq = kv.find('=');
            if (eq == std::string::npos) return "config expects key=value: " + kv;
            std::string k = kv.substr(0, eq), v = kv.substr(eq + 1);
            auto on = [&](bool& flag) {
                flag = v == "on";
                return v == "on" || v == "off";
            };
            bool ok = true;
            if (k == "role") {
                if (v == "mx") config_.role = Role::mx;
                else if (v == "submission") config_.role = Role::submission;
                else if (v == "submissions") config_.role = Role::submissions;
                else ok = false;
            } else if (k == "tls") {
                config_.tls_available = v != "no";
                tls_active_ = v == "active";
                ok = v == "yes" || v == "no" || v == "active";
            } else if (k == "max_size") {
                config_.max_message_size = std::stoull(v);
            } else if (k == "max_recipients") {
                config_.max_recipients = std::stoul(v);
            } else if (k == "max_errors") {
                config_.max_errors = std::stoi(v);
            } else if (k == "max_line") {
                config_.max_command_line = std::stoul(v);
            } else if (k == "max_text_line") {
                config_.max_text_line = std::stoul(v);
            } else if (k == "command_timeout") {
                config_.command_timeout_ms = std::stoll(v);
            } else if (k == "data_timeout") {
                config_.data_timeout_ms = std::stoll(v);
            } else if (k == "min_data_rate") {
                config_.min_data_rate_bps = std::stoull(v);
            } else if (k == "max_junk") {
                config_.max_junk_commands = std::stoi(v);
            } else if (k == "pipelining") {
                ok = on(config_.offer_pipelining);
            } else if (k == "chunking") {
                ok = on(config_.offer_chunking);
            } else if (k == "8bitmime") {
                ok = on(config_.offer_8bitmime);
            } else if (k == "smtputf8") {
                ok = on(config_.offer_smtputf8);
            } else if (k == "dsn") {
                ok = on(config_.offer_dsn);
            } else if (k == "auth") {
                ok = on(config_.offer_auth);
            } else if (k == "strict_8bitmime") {
                ok = on(config_.strict_8bitmime);
            } else {
                ok = false;
            }
            if (!ok) return "bad config " + kv;
        }
        return {};
    }

    void ensure_session() {
        if (!session_) {
            session_.emplace(config_, now_, tls_active_);
            collect();
        }
    }

    void collect() {
        std::string out = session_->take_output();
        std::size_t pos = 0;
        while (pos < out.size()) {
            std::size_t e = out.find("\r\n", pos);
            if (e == std::string::npos) {
                pending_.push_back(out.substr(pos) + " <no CRLF>");
                break;
            }
            pending_.push_back(out.substr(pos, e - pos));
            pos = e + 2;
        }
    }

    std::string check_quiet() {
        collect();
        if (!pending_.empty()) return "unexpected server line \"" + pending_.front() + "\"";
        return {};
    }

    bool give(const Answer& a) {
        switch (a.kind) {
            case Answer::accept: return session_->accept(now_);
            case Answer::reject: return session_->reject(a.reply, now_);
            case Answer::queue: return session_->accept_message(a.id, now_);
            case Answer::hold: return true;
        }
        return false;
    }

    void feed(const std::string& bytes) {
        if (!bytewise_) {
            session_->feed(bytes, now_);
            return;
        }
        for (char c : bytes) {
            session_->feed(std::string_view(&c, 1), now_);
            answer_events();
        }
    }

    void drain() {
        answer_events();
        collect();
    }

    void answer_events() {
        while (auto ev = session_->next_event()) {
            events_.push_back(summary(*ev));
            if (!needs_answer(*ev)) continue;
            Answer a;
            if (!answers_.empty()) {
                a = answers_.front();
                answers_.pop_front();
            }
            if (a.kind == Answer::hold) {
                held_ = true;
                continue;
            }
            give(a);
        }
    }

    std::string name_;
    bool bytewise_ = false;
    ServerConfig config_;
    bool tls_active_ = false;
    std::optional<ServerSession> session_;
    std::int64_t now_ = 1000000;
    int line_no_ = 0;
    std::deque<std::string> pending_;
    std::deque<Answer> answers_;
    std::vector<std::string> events_;
    std::size_t next_event_ = 0;
    bool strict_events_ = false;
    bool held_ = false;
};

}  // namespace

TEST_CASE("server transcripts") {
    namespace fs = std::filesystem;
    const fs::path dir = fs::path(RELAYLAB_SOURCE_DIR) / "tests" / "transcripts";
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir))
        if (entry.is_regular_file() && entry.path().extension() == ".txt") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    REQUIRE(files.size() >= 25);
    for (const auto& file : files) {
        const std::string name = file.filename().string();
        SUBCASE(name.c_str()) {
            CAPTURE(name);
            std::ifstream in(file);
            REQUIRE(in.good());
            TranscriptRunner runner(name);
            std::string error = runner.run(in);
            CHECK_MESSAGE(error.empty(), name << ": " << error);
            // the same dialog with the client's bytes arriving one at a time
            std::ifstream again(file);
            TranscriptRunner bytewise(name, true);
            std::string error2 = bytewise.run(again);
            CHECK_MESSAGE(error2.empty(), name << " (one byte at a time): " << error2);
        }
    }
}

TEST_CASE("transcript runner self-check") {
    SUBCASE("a wrong expectation fails (the runner can fail)") {
        std::istringstream in("S: 220 *\nC: NOOP\nS: 250 2.0.0 Nope\n");
        CHECK_FALSE(TranscriptRunner("self").run(in).empty());
    }
    SUBCASE("unmatched server output fails") {
        std::istringstream in("S: 220 *\nC: NOOP\n");
        CHECK_FALSE(TranscriptRunner("self").run(in).empty());
    }
    SUBCASE("glob") {
        CHECK(glob_match("250*", "250-PIPELINING"));
        CHECK(glob_match("2*0 *Ok", "250 2.0.0 Ok"));
        CHECK_FALSE(glob_match("250 x", "250 xy"));
    }
}
