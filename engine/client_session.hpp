#pragma once
// The SMTP client as a sans-I/O state machine (RFC 5321 §3, §4; the mirror image of
// ServerSession): used by the outbound relay and by the simulated mail client.
//
//   ClientSession c(config, now_ms);
//   c.send(message, now_ms);              // any number, before or during the session
//   c.quit(now_ms);                       // when the host has no more messages
//   c.feed(server_bytes, now_ms);         // any split
//   while (auto ev = c.next_event()) ...  // TlsStart, MessageDone, Closed
//   wire = c.take_output();
//   c.next_deadline() / c.on_timeout(now_ms); c.feed_eof(now_ms)
//
// TlsStart: the host wraps the stream in TLS and then calls tls_established() (or
// tls_failed()). Bytes the server sent after its 220 to STARTTLS are dropped
// (RFC 3207 §4.2, CVE-2011-0411), and so is anything fed before tls_established().
//
// Every message given to send() gets exactly one MessageDone, whatever happens; the session
// ends with exactly one Closed. The engine never throws; host misuse is reported in return
// values (send() after quit()), peer misbehaviour as SessionFailure::protocol_error.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "engine/address.hpp"
#include "engine/client_capabilities.hpp"
#include "engine/command.hpp"
#include "engine/reply.hpp"
#include "engine/reply_parser.hpp"
#include "engine/trace.hpp"

namespace relaylab {

// STARTTLS use (RFC 3207); implicit TLS (port 465, RFC 8314) is the host's concern and is
// signalled with ClientConfig::tls_active.
enum class TlsPolicy { none, opportunistic, required };

// RFC 5321 §4.5.3.2 client timeouts, in milliseconds.
struct ClientTimeouts {
    std::int64_t greeting = 5 * 60'000;    // §4.5.3.2.1 initial 220
    std::int64_t mail = 5 * 60'000;        // §4.5.3.2.2 MAIL
    std::int64_t rcpt = 5 * 60'000;        // §4.5.3.2.3 RCPT
    std::int64_t data_init = 2 * 60'000;   // §4.5.3.2.4 DATA initiation (the 354)
    std::int64_t data_block = 3 * 60'000;  // §4.5.3.2.5 each TCP send: the host applies it
    std::int64_t data_end = 10 * 60'000;   // §4.5.3.2.6 reply after "." (and BDAT LAST)
    std::int64_t other = 5 * 60'000;       // EHLO, HELO, STARTTLS, TLS handshake, AUTH, RSET, QUIT
};

struct ClientConfig {
    std::string helo_name = "relay.lab.test";
    TlsPolicy tls = TlsPolicy::opportunistic;
    bool tls_active = false;  // already in TLS (implicit TLS, port 465, RFC 8314)
    std::optional<std::pair<std::string, std::string>> auth;  // username, password
    std::string auth_mechanism = "PLAIN";  // PLAIN or LOGIN (RFC 4954, RFC 4616)
    bool use_bdat = false;                 // prefer BDAT when CHUNKING is offered (RFC 3030)
    ClientTimeouts timeouts;
    bool trace = true;
};

struct OutgoingMessage {
    Path from;
    MailParams mail_params;  // size is computed by the session; body/smtputf8/ret/envid/auth used
    std::vector<std::pair<Path, RcptParams>> rcpts;
    std::string content;  // CRLF lines, NOT dot-stuffed
};

enum class RecipientStatus { accepted, temporary, permanent };
const char* recipient_status_name(RecipientStatus);

// The final result for one recipient: the reply that decided it (a real one, or one the
// session synthesized, e.g. 552 5.3.4 when the message exceeds the server's SIZE).
struct RecipientOutcome {
    Path rcpt;
    RecipientStatus status = RecipientStatus::temporary;
    Reply reply;
    bool local = false;  // the session made `reply` up (no server sent it): a local condition
};
struct MessageOutcome {
    std::size_t message = 0;  // the number send() returned
    std::vector<RecipientOutcome> recipients;  // in the order given
    bool next_hop_dsn = false;  // the server offered DSN: NOTIFY/ORCPT/RET/ENVID went with it
};

enum class SessionFailure {
    none,
    greeting_rejected,
    helo_rejected,
    tls_unavailable,  // policy required but STARTTLS not offered
    tls_rejected,     // STARTTLS refused, or the handshake failed
    auth_unavailable,
    auth_failed,
    protocol_error,
    timeout,
    connection_lost,
    service_closing,  // the server said 421 and closed in an orderly way (RFC 5321 §3.8)
};
const char* session_failure_name(SessionFailure);  // an identifier: "tls_rejected"
// What happened, in plain words for a newcomer: "the TLS handshake failed".
const char* session_failure_text(SessionFailure);

struct TlsStartEvent {};
struct MessageDoneEvent {
    MessageOutcome outcome;
};
struct ClosedEvent {
    SessionFailure failure = SessionFailure::none;
    std::optional<Reply> reply;  // the server reply that caused the failure, if any
};
using ClientEvent = std::variant<TlsStartEvent, MessageDoneEvent, ClosedEvent>;

enum class ClientPhase {
    greeting,       // waiting for 220 (RFC 5321 §3.1)
    ehlo,           // EHLO sent (§4.1.1.1)
    helo,           // HELO sent after EHLO was refused
    starttls,       // STARTTLS sent (RFC 3207 §4)
    tls_handshake,  // host is running the handshake
    auth,           // AUTH exchange (RFC 4954 §4)
    ready,          // greeted (and secured/authenticated): between messages
    transaction,    // MAIL .. end of data
    rset,           // RSET sent (§4.1.1.5)
    quit,           // QUIT sent (§4.1.1.10)
    closed,
};
const char* client_phase_name(ClientPhase);

class ClientSession {
public:
    ClientSession(ClientConfig config, std::int64_t now_ms);

    // Server bytes, any split. Ignored once closed; dropped during the TLS handshake.
    void feed(std::string_view bytes, std::int64_t now_ms);
    // The server closed the connection.
    void feed_eof(std::int64_t now_ms);
    // Queues a message; returns its number (for MessageDone), or nullopt when the session
    // is closing (after quit() or once closed) - host misuse, the message was not taken.
    std::optional<std::size_t> send(OutgoingMessage message, std::int64_t now_ms);
    // No more messages: QUIT once the queue is done.
    void quit(std::int64_t now_ms);
    // Answers TlsStart.
    void tls_established(std::string_view version, std::int64_t now_ms);
    void tls_failed(std::string_view reason, std::int64_t now_ms);

    std::optional<ClientEvent> next_event();
    std::string take_output();
    Trace take_trace();

    std::optional<std::int64_t> next_deadline() const { return deadline_; }
    // Fails the session with SessionFailure::timeout when the deadline has passed.
    void on_timeout(std::int64_t now_ms);

    ClientPhase phase() const { return phase_; }
    bool closed() const { return phase_ == ClientPhase::closed; }
    SessionFailure failure() const { return failure_; }
    const ServerCapabilities& capabilities() const { return caps_; }
    bool tls_active() const { return tls_active_; }
    const std::string& tls_version() const { return tls_version_; }
    bool authenticated() const { return authenticated_; }

private:
    // What the next reply answers, in order (several when pipelining, RFC 2920 §3.1).
    enum class Await {
        greeting, ehlo, helo, starttls, auth, auth_login_user, auth_login_pass,
        mail, rcpt, data, data_end, bdat, rset, quit,
    };
    struct Expectation {
        Await what;
        std::size_t rcpt = 0;
    };
    // Transaction state, separate from the connection state (cf. OpenSMTPD smtp_tx).
    struct Transaction {
        std::size_t id = 0;
        OutgoingMessage msg;
        std::string body;  // CRLF-normalised content with a final CRLF
        bool pipelined = false;
        bool bdat = false;
        bool mail_ok = false;
        bool mail_failed = false;
        bool empty_data = false;  // 354 with no accepted recipient: only "." is sent
        std::size_t next_rcpt = 0;
        std::size_t accepted = 0;
        std::vector<bool> rcpt_ok;
        std::vector<std::optional<RecipientOutcome>> results;
    };

    // Replies, one handler per command (RFC 5321 §4.3.2 lists the codes of each).
    void on_reply(const Reply& r);
    void on_greeting(const Reply& r);
    void on_ehlo(const Reply& r);
    void on_helo(const Reply& r);
    void on_starttls(const Reply& r);
    void on_auth(Await what, const Reply& r);
    void on_mail(const Reply& r);
    void on_rcpt(std::size_t i, const Reply& r);
    void on_data(const Reply& r);
    void on_data_end(const Reply& r);
    void on_bdat(const Reply& r);
    void on_rset(const Reply& r);

    // Steps of the session.
    void after_hello();
    void proceed();
    bool start_message();
    void send_mail();
    void send_rcpt(std::size_t i);
    void send_data();
    void send_bdat();
    void finish_message(const Reply& final_reply);
    void complete_all(Transaction& tx, const Reply& reply, bool local);
    void fail(SessionFailure f, std::optional<Reply> reply, bool send_quit);
    void close();
    void enter(ClientPhase p);

    void expect(Await what, std::size_t rcpt = 0);
    std::int64_t timeout_for(Await what) const;
    // secret_begin: where AUTH credentials start in `line` (they run to its end), or npos.
    void write_command(std::string line, Verb verb, std::size_t secret_begin = std::string::npos);
    void write_continuation(std::string line);
    // trace (client_trace.cpp)
    void trace_line(TraceKind kind, std::string_view line, Verb verb, std::size_t secret_begin);
    void trace_reply(const Reply& r, std::string_view line, int index);
    static TracePhase reply_phase(Await what);  // the phase of the command a reply answers
    TraceEvent* trace_event(TraceKind kind, TraceNote note, std::string text,
                            TraceOutcome outcome = TraceOutcome::none);

    ClientConfig config_;
    std::int64_t now_ = 0;
    ClientPhase phase_ = ClientPhase::greeting;
    ReplyParser parser_;
    ServerCapabilities caps_;
    bool tls_active_ = false;
    std::string tls_version_;
    bool tried_starttls_ = false;
    bool authenticated_ = false;
    std::string auth_mech_;
    bool quit_requested_ = false;
    bool needs_rset_ = false;  // a MAIL was accepted and its transaction not ended by end of data
    SessionFailure failure_ = SessionFailure::none;
    std::optional<Reply> failure_reply_;

    std::deque<Expectation> awaiting_;
    std::optional<std::int64_t> deadline_;
    std::deque<std::pair<std::size_t, OutgoingMessage>> queue_;
    std::size_t next_id_ = 0;
    std::optional<Transaction> tx_;

    std::string out_;
    std::deque<ClientEvent> events_;
    Trace trace_;
    TracePhase trace_phase_ = TracePhase::greeting;  // of the last command or reply (trace only)
};

// Wire helpers, public for tests and for the UI.
std::string format_path(const Path& path);  // "<>", "<Postmaster>", "<local@domain>"
RecipientStatus recipient_status_of(const Reply& reply);

}  // namespace relaylab
