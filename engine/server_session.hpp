#pragma once
// The SMTP server side of one connection, without I/O (RFC 5321 + ESMTP extensions):
// bytes in, events and bytes out, in the style of h11 / ngtcp2: the caller owns the socket,
// the clock and the TLS library, so the same code runs in the simulator and the relay.
//
//   ServerSession s(config, now_ms);               // the 220 greeting is output at once
//   s.feed(bytes, now_ms);                         // whatever arrived, any split
//   while (auto ev = s.next_event()) {             // HeloEvent, MailEvent, RcptEvent, ...
//       if (needs_answer(*ev)) s.accept() / s.reject(reply) / s.accept_message(queue_id);
//   }
//   send(s.take_output());                         // bytes for the client; take them before
//                                                  // feeding more input (pipelining check)
//   if (s.wants_close()) close();                  // after QUIT, 421, or a fatal error
//   timer at s.next_deadline() -> s.on_timeout(now_ms)
//
// Events that need the host's decision (HELO/EHLO, MAIL, RCPT, AUTH, a complete message)
// stop the session: it produces no further replies and only buffers (bounded) what the
// client pipelines, until the host answers. A message's "250" is produced only by
// accept_message() (or accept(), without a queue id): the host answers after the message
// is durably committed. StartTlsEvent, ResetEvent and QuitEvent are notifications.
//
// The parts, each testable alone: line_reader (CR LF command lines), content_check (the one
// DATA/BDAT content verdict), sasl_exchange (AUTH PLAIN/LOGIN steps), server_config (what
// is offered per EHLO), reply (wire form). This class ties them together: server_session.cpp
// holds the command table, the input loop and the host's answers; server_commands.cpp one
// function per verb; server_message.cpp DATA and BDAT.
//
// Choices where the RFCs leave room (each also commented where the reply is made):
//  - "Pipelining without PIPELINING" means: a command line is dispatched while the reply to
//    the previous command is still in the output buffer (not yet taken), and no EHLO reply
//    offering PIPELINING has been taken. The greeting does not count, so the first command
//    may arrive before the greeting was sent.
//  - Content problems found at the end of DATA/BDAT are "554 5.6.0" (a reply RFC 5321
//    §4.3.2 allows there): a text line over max_text_line (§4.5.3.1.6) or NUL. Too big:
//    "552 5.3.4". 8-bit octets without BODY=8BITMIME or SMTPUTF8 are accepted by default,
//    as Postfix does (RFC 6152 §3 puts the duty on the client, RFC 5321 §2.4 lets a server
//    refuse but does not require it; common clients never declare UTF-8 text): the
//    envelope says content_8bit, so the host can relay it as 8BITMIME. With
//    ServerConfig::strict_8bitmime they are refused with "554 5.6.0".
//  - Not offered at all: STARTTLS without a certificate and AUTH on an MX are "502 5.5.1".
//  - Protocol errors (500-504, 530, 553, 555 caused by the client, and refused AUTH) count
//    towards max_errors; the host's policy refusals of MAIL/RCPT/messages do not.
//
// Security notes:
//  - STARTTLS (RFC 3207): bytes pipelined after the STARTTLS line, and everything fed
//    before tls_established(), are discarded (CVE-2011-0411 command injection).
//  - DATA: only CR LF "." CR LF ends the content (DataDecoder); bare CR / bare LF can never
//    end the data or start a second message (SMTP smuggling, CVE-2023-51764 class).
//  - A command line ends only at CR LF; a line with a bare CR, bare LF or NUL is one
//    rejected line ("500 5.5.2"), never two commands. Lines are bounded (512 octets).
//  - A client that pipelines without having seen PIPELINING in an EHLO reply is
//    disconnected ("554 5.5.0"); an HTTP request as first command too ("554 5.7.0").
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "engine/address.hpp"
#include "engine/command.hpp"
#include "engine/content_check.hpp"
#include "engine/dot_codec.hpp"
#include "engine/line_reader.hpp"
#include "engine/reply.hpp"
#include "engine/sasl_exchange.hpp"
#include "engine/server_config.hpp"
#include "engine/trace.hpp"

namespace relaylab {

// Role, ServerConfig, ServerOffers: engine/server_config.hpp.

// ---- Events ----
struct HeloEvent {  // needs an answer: accept() sends the EHLO/HELO reply
    bool extended = false;
    std::string domain;
};
struct MailEvent {  // needs an answer: accept() -> "250 2.1.0"
    Path from;
    MailParams params;
};
struct RcptEvent {  // needs an answer: accept() -> "250 2.1.5"
    Path to;
    RcptParams params;
};
struct AuthEvent {  // needs an answer: accept() -> "235 2.7.0", or reject("535 5.7.8 ...")
    std::string mechanism;  // "PLAIN" or "LOGIN"
    std::string authzid, username, password;
};
// Notification: once the "220 2.0.0" is taken from take_output(), the host wraps the stream
// in TLS and calls tls_established(); bytes fed before that are discarded.
struct StartTlsEvent {};
struct Envelope {
    std::string helo;
    bool esmtp = false;
    bool tls = false;
    std::string tls_version;
    std::string auth_user;  // empty when not authenticated
    Path from;
    MailParams mail_params;
    std::vector<std::pair<Path, RcptParams>> rcpts;
    bool bdat = false;  // content came with BDAT (RFC 3030), not DATA
    // The content had octets >= 0x80. With neither BODY=8BITMIME nor SMTPUTF8 declared
    // (accepted unless strict_8bitmime), the host treats it as 8BITMIME on the way out.
    bool content_8bit = false;
};
// Needs an answer: accept_message(queue_id) once durably committed, or reject(451/452/554 ...).
struct MessageEvent {
    Envelope envelope;
    std::string content;  // decoded (dot-unstuffed), CRLF line endings
};
struct ResetEvent {};  // notification: RSET
struct QuitEvent {};   // notification: QUIT

using ServerEvent =
    std::variant<HeloEvent, MailEvent, RcptEvent, AuthEvent, StartTlsEvent, MessageEvent, ResetEvent, QuitEvent>;
bool needs_answer(const ServerEvent& event);

// ---- State ----
enum class ServerState : std::uint8_t {
    greeted,   // 220 sent; HELO/EHLO needed (also after STARTTLS, RFC 3207 §4.2)
    ready,     // HELO/EHLO done, no mail transaction
    mail,      // MAIL accepted, RCPT needed
    rcpt,      // at least one RCPT accepted
    data,      // receiving DATA content (after 354)
    bdat,      // receiving the octets of a BDAT chunk
    chunking,  // between BDAT chunks (RFC 3030)
    auth,      // in an AUTH exchange (334 sent, response line awaited)
    starttls,  // 220 to STARTTLS sent, waiting for the TLS handshake
    closed,    // nothing more will be read or written
};
const char* server_state_name(ServerState state);

// What holds across transactions (OpenSMTPD smtp_session).
struct ServerConnection {
    ServerState state = ServerState::greeted;
    std::string helo;
    bool esmtp = false;
    bool tls = false;
    std::string tls_version;
    std::string auth_user;
    bool authenticated = false;
    ServerOffers offers;                 // what the last EHLO reply offered (none after HELO)
    bool pipelining_seen = false;        // an EHLO reply offering PIPELINING was taken (sent)
    bool any_command = false;            // a command line was already dispatched
    int errors = 0;
    int junk_commands = 0;               // NOOP RSET VRFY HELP since the last message
    std::uint64_t messages = 0;
};

// What RSET clears (OpenSMTPD smtp_tx). ServerSession::reset_transaction() clears it field
// by field (keeping buffers): a new field must be cleared there too.
struct ServerTransaction {
    bool active = false;  // MAIL accepted
    Path from;
    MailParams mail_params;
    std::vector<std::pair<Path, RcptParams>> rcpts;
    bool bdat = false;  // at least one BDAT chunk received
    std::string content;
};

class ServerSession {
public:
    static constexpr std::int64_t k_no_deadline = std::numeric_limits<std::int64_t>::max();
    static constexpr std::int64_t k_no_time = std::numeric_limits<std::int64_t>::min();

    // Outputs the greeting "220 <hostname> ESMTP relaylab". tls_active: implicit TLS
    // (submissions, RFC 8314 §3.3).
    ServerSession(ServerConfig config, std::int64_t now_ms, bool tls_active = false);

    void feed(std::string_view bytes, std::int64_t now_ms);
    void feed_eof(std::int64_t now_ms);  // the client closed its side
    std::optional<ServerEvent> next_event();

    // Answers to the pending event. Each returns false (and does nothing) when there is no
    // event of a fitting kind waiting: that is the host's misuse, not the peer's.
    // now_ms, when given, restarts the client's timeout from the moment of the answer.
    bool accept(std::int64_t now_ms = k_no_time);                      // default positive reply
    bool reject(const Reply& reply, std::int64_t now_ms = k_no_time);  // 4xx/5xx; 421 closes
    // "250 2.0.0 Ok: queued as <id>": the message is durable.
    bool accept_message(std::string_view queue_id, std::int64_t now_ms = k_no_time);
    bool awaiting_answer() const { return !std::holds_alternative<std::monostate>(pending_); }
    // The TLS handshake after STARTTLS succeeded (RFC 3207 §4.2: state reset, EHLO needed).
    bool tls_established(std::string_view version, std::int64_t now_ms);
    // Implicit TLS (submissions): the host records the negotiated version for the envelope.
    void set_tls_version(std::string_view version) { conn_.tls_version.assign(version.data(), version.size()); }

    std::string take_output();
    bool has_output() const { return !out_.empty(); }
    bool wants_close() const { return conn_.state == ServerState::closed; }
    // False while an answer is awaited: the host may stop reading (backpressure).
    bool wants_input() const { return !wants_close() && !awaiting_answer(); }

    // k_no_deadline when none. Idle timers plus total deadlines per command line and per
    // DATA/BDAT transfer (see server_session.cpp): a trickling client cannot hold a slot.
    std::int64_t next_deadline() const;
    void on_timeout(std::int64_t now_ms);  // past the deadline: "421 4.4.2" and close

    std::vector<TraceEvent> take_trace();

    ServerState state() const { return conn_.state; }
    const ServerConnection& connection() const { return conn_; }
    const ServerTransaction& transaction() const { return tx_; }
    const ServerConfig& config() const { return config_; }

private:
    // The event the host must answer, with what the answer needs (h11's "waiting" states).
    struct PendingHelo {
        bool extended = false;
        std::string domain;
    };
    struct PendingMail {};
    struct PendingRcpt {
        std::pair<Path, RcptParams> rcpt;
    };
    struct PendingAuth {
        std::string user;
    };
    struct PendingMessage {};
    using Pending = std::variant<std::monostate, PendingHelo, PendingMail, PendingRcpt, PendingAuth, PendingMessage>;

    // The BDAT chunk being read (RFC 3030 §2): a refused chunk is read all the same, and the
    // refusal is its reply.
    struct ChunkRefusal {
        int code = 0;
        const char* enhanced = "";
        const char* text = "";
        bool counts_as_error = false;  // a protocol error (503), counted towards max_errors
        bool reset = false;            // the transaction is reset (552: too big)
    };
    struct BdatChunk {
        std::uint64_t size = 0, remaining = 0;
        bool last = false;
        ServerState return_state = ServerState::ready;
        std::optional<ChunkRefusal> refusal;
    };

    using Handler = void (ServerSession::*)(std::string_view args);
    struct CommandSpec {
        Verb verb;
        std::uint16_t allowed;  // bit set of ServerState where the verb is in sequence
        Handler handler;
    };
    static const CommandSpec k_commands[];

    // input (server_session.cpp)
    void process();
    bool process_line();
    std::size_t line_limit(std::string_view unread) const;
    void dispatch_command(const LineReader::Line& line);
    void out_of_sequence(Verb verb);

    // one function per verb (server_commands.cpp)
    void cmd_ehlo(std::string_view args);
    void cmd_helo(std::string_view args);
    void cmd_mail(std::string_view args);
    void cmd_rcpt(std::string_view args);
    bool junk_command();
    void cmd_rset(std::string_view args);
    void cmd_noop(std::string_view args);
    void cmd_quit(std::string_view args);
    void cmd_vrfy(std::string_view args);
    void cmd_expn(std::string_view args);
    void cmd_help(std::string_view args);
    void cmd_starttls(std::string_view args);
    void cmd_auth(std::string_view args);
    void helo_common(std::string_view args, bool extended);
    void auth_response(std::string_view line);
    void sasl_step(SaslStep step);

    // message content (server_message.cpp)
    void cmd_data(std::string_view args);
    void cmd_bdat(std::string_view args);
    void process_data();
    void process_bdat();
    void finish_data();
    void finish_chunk();
    void finish_message();
    Envelope make_envelope();
    void reset_transaction();

    // answers (server_session.cpp)
    void answer_done(std::int64_t now_ms);
    void send_ehlo_reply();

    // output (server_session.cpp), trace (server_trace.cpp)
    void reply(int code, std::string_view enhanced, std::string_view text);
    void reply_multi(int code, std::string_view enhanced, const std::string_view* lines, std::size_t n);
    void protocol_error(int code, std::string_view enhanced, std::string_view text);
    void close_with(int code, std::string_view enhanced, std::string_view text);
    void enter_state(ServerState next);
    template <class Event, class Decision, class... Fields>
    void emit(Decision&& pending, Fields&&... fields);
    void trace_command(std::string_view line, Verb verb);
    void trace_command_line(std::string_view line, Verb verb, std::size_t secret_begin, std::size_t secret_end);
    void trace_note(TraceKind kind, TraceNote note, std::string text);
    void trace_reply_line(int code, std::string_view enhanced, std::string_view wire_line, int index);

    ServerConfig config_;
    ServerConnection conn_;
    ServerTransaction tx_;
    std::int64_t now_ = 0;
    std::int64_t last_activity_ = 0;
    std::int64_t line_started_ = k_no_time;  // first byte of the unfinished command line
    std::int64_t transfer_started_ = 0;      // the DATA/BDAT transfer under way began
    std::uint64_t transfer_bytes_ = 0;       // octets of it read so far

    std::string in_;
    std::size_t in_pos_ = 0;
    LineReader lines_;
    std::string out_;
    bool awaiting_flush_ = false;       // a reply to a command is in out_, not yet taken

    std::vector<ServerEvent> events_;
    std::size_t event_head_ = 0;
    Pending pending_;

    DataDecoder decoder_;
    ContentCheck content_;              // cleared with the transaction
    BdatChunk chunk_;
    MailArgs mail_args_;                // MAIL/RCPT arguments, parsed in place (buffers reused)
    SaslExchange sasl_;
    std::string size_line_;             // "SIZE <max>" for the EHLO reply
    std::vector<TraceEvent> trace_;
    // The phase of the last command: its replies and notices carry it (trace only).
    TracePhase trace_phase_ = TracePhase::greeting;
    std::string_view raw_line_;         // the command line being handled, as read (trace only)
};

}  // namespace relaylab
