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
// Choices where the RFCs leave room (each also commented where the reply is made):
//  - "Pipelining without PIPELINING" means: a command line is dispatched while the reply to
//    the previous command is still in the output buffer (not yet taken), and no EHLO reply
//    offering PIPELINING has been taken. The greeting does not count, so the first command
//    may arrive before the greeting was sent.
//  - Content problems found at the end of DATA/BDAT are "554 5.6.0" (a reply RFC 5321
//    §4.3.2 allows there): a text line over max_text_line (§4.5.3.1.6), NUL, or 8-bit
//    octets without BODY=8BITMIME or SMTPUTF8 (RFC 6152 §3). Too big: "552 5.3.4".
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
#include "engine/dot_codec.hpp"
#include "engine/reply.hpp"
#include "engine/trace.hpp"

namespace relaylab {

// mx: port 25, mail for our domains, no AUTH. submission: port 587 (RFC 6409), STARTTLS
// then AUTH required. submissions: port 465 (RFC 8314), TLS from the first byte, AUTH required.
enum class Role { mx, submission, submissions };
const char* role_name(Role role);

struct ServerConfig {
    Role role = Role::mx;
    std::string hostname = "relay.lab.test";
    bool tls_available = true;  // the host can do STARTTLS (it has a certificate)
    std::uint64_t max_message_size = 26214400;  // SIZE (RFC 1870)
    std::size_t max_recipients = 100;           // RFC 5321 §4.5.3.1.8 asks for at least 100
    std::size_t max_command_line = 512;         // octets incl. CRLF, RFC 5321 §4.5.3.1.4
    std::size_t max_auth_line = 12288;          // AUTH lines, RFC 4954 §4
    std::size_t max_text_line = 1000;           // octets incl. CRLF, RFC 5321 §4.5.3.1.6
    int max_errors = 10;                        // protocol errors before "421 4.7.0"
    std::size_t max_pending_input = 1 << 20;    // bytes buffered while the host decides
    // RFC 5321 §4.5.3.2.7: the server waits at least 5 minutes for the next command;
    // a more generous 10 minutes while message content is arriving.
    std::int64_t command_timeout_ms = 300000;
    std::int64_t data_timeout_ms = 600000;
    bool offer_pipelining = true, offer_chunking = true, offer_8bitmime = true, offer_smtputf8 = true,
         offer_dsn = true, offer_auth = true;
    bool trace = true;  // emit TraceEvents (off for benchmarks)
};

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
    bool pipelining_advertised = false;  // PIPELINING was in an EHLO reply ...
    bool pipelining_seen = false;        // ... and that reply was taken by the host (sent)
    bool any_command = false;            // a command line was already dispatched
    int errors = 0;
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
    // BDAT content checks (DATA uses the DataDecoder's flags).
    std::uint64_t bdat_size = 0;
    std::size_t bdat_line_len = 0;
    bool bdat_8bit = false, bdat_nul = false, bdat_long_line = false, bdat_bare = false;
    bool bdat_prev_cr = false;
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
    bool awaiting_answer() const { return pending_ != Pending::none; }
    // The TLS handshake after STARTTLS succeeded (RFC 3207 §4.2: state reset, EHLO needed).
    bool tls_established(std::string_view version, std::int64_t now_ms);
    // Implicit TLS (submissions): the host records the negotiated version for the envelope.
    void set_tls_version(std::string_view version) { conn_.tls_version.assign(version.data(), version.size()); }

    std::string take_output();
    bool has_output() const { return !out_.empty(); }
    bool wants_close() const { return conn_.state == ServerState::closed; }
    // False while an answer is awaited: the host may stop reading (backpressure).
    bool wants_input() const { return !wants_close() && pending_ == Pending::none; }

    std::int64_t next_deadline() const;  // k_no_deadline when none
    void on_timeout(std::int64_t now_ms);  // past the deadline: "421 4.4.2" and close

    std::vector<TraceEvent> take_trace();

    ServerState state() const { return conn_.state; }
    const ServerConnection& connection() const { return conn_; }
    const ServerTransaction& transaction() const { return tx_; }
    const ServerConfig& config() const { return config_; }

private:
    enum class Pending : std::uint8_t { none, helo, mail, rcpt, auth, message };
    enum class AuthStep : std::uint8_t { none, plain, login_user, login_password };
    using Handler = void (ServerSession::*)(std::string_view args);
    struct CommandSpec {
        Verb verb;
        std::uint16_t allowed;  // bit set of ServerState where the verb is in sequence
        Handler handler;
    };
    static const CommandSpec k_commands[];

    // input
    void process();
    bool read_line(std::string_view& line, bool& too_long);
    void dispatch_command(std::string_view line);
    void process_data();
    void process_bdat();
    void auth_response(std::string_view line);
    void finish_data();
    void finish_chunk();

    // one function per verb
    void cmd_ehlo(std::string_view args);
    void cmd_helo(std::string_view args);
    void cmd_mail(std::string_view args);
    void cmd_rcpt(std::string_view args);
    void cmd_data(std::string_view args);
    void cmd_bdat(std::string_view args);
    void cmd_rset(std::string_view args);
    void cmd_noop(std::string_view args);
    void cmd_quit(std::string_view args);
    void cmd_vrfy(std::string_view args);
    void cmd_expn(std::string_view args);
    void cmd_help(std::string_view args);
    void cmd_starttls(std::string_view args);
    void cmd_auth(std::string_view args);
    void helo_common(std::string_view args, bool extended);
    void out_of_sequence(Verb verb);

    // answers
    void answer_done(std::int64_t now_ms);
    void send_ehlo_reply();
    void auth_complete(std::string mechanism, std::string authzid, std::string user, std::string password);

    // output
    void reply(int code, std::string_view enhanced, std::string_view text);
    void reply_multi(int code, std::string_view enhanced, const std::string_view* lines, std::size_t n);
    void protocol_error(int code, std::string_view enhanced, std::string_view text);
    void close_with(int code, std::string_view enhanced, std::string_view text);
    void enter_state(ServerState next);
    template <class Event, class... Fields>
    void emit(Pending pending, Fields&&... fields);
    void trace_command(std::string_view line, Verb verb);
    void trace_note(TraceKind kind, std::string text, std::string explain, std::string rfc);
    void trace_reply_line(int code, std::string_view enhanced, std::string_view wire_line, bool first);
    void reset_transaction();
    Envelope make_envelope();

    ServerConfig config_;
    ServerConnection conn_;
    ServerTransaction tx_;
    std::int64_t now_ = 0;
    std::int64_t last_activity_ = 0;

    std::string in_;
    std::size_t in_pos_ = 0;
    std::size_t scanned_ = 0;           // bytes after in_pos_ known to hold no CRLF (but maybe a trailing CR)
    bool discarding_line_ = false;      // inside an over-long line, dropping until CRLF
    bool discard_prev_cr_ = false;
    std::size_t discarded_len_ = 0;
    std::string out_;
    bool awaiting_flush_ = false;       // a reply to a command is in out_, not yet taken

    std::vector<ServerEvent> events_;
    std::size_t event_head_ = 0;
    Pending pending_ = Pending::none;
    bool pending_extended_ = false;     // the pending HELO event is an EHLO
    std::string pending_helo_;

    DataDecoder decoder_;
    std::uint64_t bdat_remaining_ = 0;
    bool bdat_last_ = false;
    bool bdat_discard_ = false;         // chunk is read and thrown away (error reply after it)
    int bdat_error_code_ = 0;
    const char* bdat_error_enhanced_ = "";
    const char* bdat_error_text_ = "";
    bool bdat_error_reset_ = false;
    bool bdat_error_counts_ = false;    // the refusal is a protocol error (503), counted
    std::uint64_t bdat_chunk_size_ = 0;
    ServerState bdat_return_state_ = ServerState::ready;
    std::pair<Path, RcptParams> pending_rcpt_;
    MailArgs mail_args_;                // MAIL/RCPT arguments, parsed in place (buffers reused)

    AuthStep auth_step_ = AuthStep::none;
    std::string auth_user_pending_;
    std::string size_line_;             // "SIZE <max>" for the EHLO reply
    std::vector<TraceEvent> trace_;
};

}  // namespace relaylab
