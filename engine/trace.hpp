#pragma once
// The one vocabulary of everything worth showing (docs/architecture.md, "Trace events"): the
// simulator and the native relay both produce these; the UI renders only these.
//
// An event says what happened as data (phase, verb, reply code and class, outcome, the raw
// wire bytes); the plain-language text and the RFC section are computed at the edge by
// explain_event() (engine/explain.hpp), so the sessions do not build prose per line and a
// reader never parses `text` to learn what happened. docs/trace-format.md lists every field.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/command.hpp"
#include "engine/mx.hpp"

namespace relaylab {

enum class TraceKind : std::uint8_t {
    command,     // a line the SMTP client sent ("C:")
    reply,       // a reply line the SMTP server sent ("S:")
    data,        // message content crossing the wire (summarised, not every line)
    state,       // a session or queue state transition ("old -> new")
    tls,         // a TLS handshake step or outcome
    dns_query,   // a DNS question
    dns_answer,  // its answer
    connect,     // a TCP connection attempt or its outcome
    queue,       // a message or recipient changed queue state
    delivery,    // a delivery outcome (delivered / deferred / bounced)
    note,        // anything else worth a line
};

// Which part of a mail's journey an event belongs to. A reply has the phase of the command
// it answers (the session knows which that is), so no reader guesses it from the text.
enum class TracePhase : std::uint8_t {
    intro,     // the scenario's opening (simulator only)
    connect,   // opening or closing the TCP connection (and QUIT)
    greeting,  // the server's 220 greeting
    ehlo,      // EHLO/HELO and the extension list
    tls,       // STARTTLS and the handshake
    auth,      // AUTH and its exchange
    envelope,  // MAIL, RCPT, RSET
    content,   // DATA/BDAT and the message content
    queue,     // a relay's queue
    dns,       // DNS questions and answers
    delivery,  // a final delivery (into a mailbox) or a routing decision
    dsn,       // a delivery status notification (bounce, delay or success notice)
    other,     // anything else (NOOP, HELP, unknown commands, session notices)
};

// RFC 5321 §4.2.1: the first digit of a reply code.
enum class ReplyClass : std::uint8_t { none, positive, intermediate, transient, permanent };

// How an attempt ended, for connect/tls/queue/delivery/dns events.
enum class TraceOutcome : std::uint8_t {
    none,       // not an outcome (an attempt starting, a question asked)
    ok,         // succeeded (connection open, TLS up, DNS answered)
    delivered,  // stored in a mailbox
    captured,   // kept by a capture host (a sandbox): accepted, and nothing goes on
    relayed,    // handed to the next server
    deferred,   // a temporary failure: tried again later
    bounced,    // a permanent failure after acceptance: a notice goes to the sender
    rejected,   // refused during the SMTP dialogue
    refused,    // the connection was refused (the host is down)
    timed_out,  // no answer at all (the host is silent, or DNS timed out)
    failed,     // any other failure (DNS error, TLS handshake or certificate)
};

// What a session's notice is about: its text carries the particulars (byte counts, TLS
// version), explain_event() the meaning. Events the simulator composes use `none` and
// carry their own prose.
enum class TraceNote : std::uint8_t {
    none,
    plaintext_before_tls,       // bytes between STARTTLS and the handshake, thrown away
    pipelined_after_starttls,   // commands pipelined after STARTTLS, thrown away
    client_closed,              // the client closed the connection
    client_closed_mid_message,  // ... while the message was arriving
    server_closed,              // the server closed the connection unasked
    line_too_long,              // a command line over the limit
    tls_established,
    tls_failed,
    starttls_refused,           // the server said no to STARTTLS; opportunistic TLS goes on
    idle_timeout,               // the server gave up waiting for the client
    reply_timeout,              // the client gave up waiting for a reply
    content,                    // the message content after DATA
    content_bdat,               // a BDAT chunk
    end_of_data,                // the client's "." line
    end_of_data_empty,          // "." after DATA although no recipient was accepted
    bare_line_ending,           // bare CR or LF in DATA content, normalised
    bare_line_ending_bdat,      // ... in BDAT content
    eight_bit_accepted,         // undeclared 8-bit content taken as 8BITMIME
    eight_bit_converted,        // 8-bit content converted to 7 bits for the next hop
    unparseable_reply,
    message_not_sent,           // the client refused to send a message the server cannot take
    session_failed,
    // The TLS layer's own steps (the simulator plays the handshake): why it failed, typed.
    tls_handshake_failed,       // no shared protocol version or cipher
    tls_certificate_untrusted,  // the certificate is not trusted (fatal when TLS is required)
};

// The question of a DNS step, typed: which record type was asked for.
enum class DnsQuestionType : std::uint8_t { none, mx, a, aaaa };

// A DNS step as data (dns_query: name and type; dns_answer: the answer too). The status is
// the resolver's (NXDOMAIN, no data, SERVFAIL, timeout, RFC 1035 §4.1.1 / RFC 2308); `mx`
// and `addresses` hold the records of an answer that had some, in the order given.
struct TraceDns {
    std::string name;  // the name asked about, as asked
    DnsQuestionType type = DnsQuestionType::none;
    DnsStatus status = DnsStatus::ok;
    std::vector<MxRecord> mx;            // MX answers: {preference, exchange}
    std::vector<std::string> addresses;  // A / AAAA answers
    bool empty() const { return type == DnsQuestionType::none; }
    bool operator==(const TraceDns&) const = default;
};

// A connect step's target as data: the host name (when known), the address and the port.
struct TraceConnect {
    std::string host;     // "mx1.dest.test"; "" when only the address is known
    std::string address;  // "198.51.100.10"; "" when the simulator connects by name
    int port = 0;
    bool empty() const { return port == 0 && host.empty() && address.empty(); }
    bool operator==(const TraceConnect&) const = default;
};

const char* dns_question_type_name(DnsQuestionType type);  // "none", "MX", "A", "AAAA"
const char* trace_dns_status_name(DnsStatus status);       // "ok", "nxdomain", "nodata", "servfail", "timeout"
// A DNS step in words, from its typed answer: the simulator, the relay's live stream and the
// page's DNS panel say it alike.
std::string dns_status_text(DnsStatus status);     // "NXDOMAIN (no such domain)", ...
std::string dns_question_text(const TraceDns& dns);  // "dest.test MX"
// "10 mx1.dest.test, 20 mx2.dest.test" / "192.0.2.1" / the failure in words
std::string dns_answer_text(const TraceDns& dns);
// An answer that names no host (NXDOMAIN, no records, SERVFAIL) is a failed lookup; no
// answer at all is a timeout. Whether that bounces or defers the delivery core decides.
TraceOutcome dns_trace_outcome(DnsStatus status);
DnsQuestionType dns_question_type_of(AddressType type);

const char* trace_kind_name(TraceKind kind);
const char* trace_note_name(TraceNote note);
const char* trace_phase_name(TracePhase phase);
const char* reply_class_name(ReplyClass c);
const char* trace_outcome_name(TraceOutcome outcome);
ReplyClass reply_class_of(int code);  // none unless 200..599
// The phase a command starts (EHLO: ehlo, MAIL: envelope, QUIT: connect, ...); the replies
// to it carry the same phase. The one table both sessions use.
TracePhase trace_phase_of(Verb verb);

struct TraceEvent {
    std::int64_t t_ms = 0;  // virtual or real time in milliseconds
    TraceKind kind = TraceKind::note;
    TracePhase phase = TracePhase::other;
    std::string from;       // who sent it / where it happened (host name); hosts fill it in
    std::string to;         // whom it went to, if anyone
    std::string text;       // printable form: the wire line without CRLF (escaped) or a short description
    // command and reply lines only:
    std::string wire;       // the raw line as it crossed the wire, CR LF included
    // [secret_begin, secret_end) within `wire`: AUTH credentials (an initial response or a
    // continuation line). With masking on, those bytes are already replaced.
    std::size_t secret_begin = 0, secret_end = 0;
    Verb verb = Verb::unknown;  // command lines
    int code = 0;               // reply lines: 250
    std::string enhanced;       // reply lines: "2.1.0", or empty
    ReplyClass reply_class = ReplyClass::none;
    int reply_line = 0;         // reply lines: index within a multi-line reply (0 = first)
    TraceOutcome outcome = TraceOutcome::none;
    TraceNote note = TraceNote::none;       // a session's notice
    std::string state_before, state_after;  // state events: the session state names
    TraceDns dns;              // dns_query / dns_answer events; empty otherwise
    TraceConnect connect;      // connect events: where to; empty otherwise
    // Prose composed by the simulator for the steps it makes itself (DNS, connect, the TLS
    // layer, queue, notices sent). The sessions leave both empty: explain_event() computes
    // their explanation from the typed fields.
    std::string explain;
    std::string rfc;  // e.g. "RFC 5321 §4.1.1.1", or empty

    bool has_secret() const { return secret_end > secret_begin; }
    bool operator==(const TraceEvent&) const = default;
};

using Trace = std::vector<TraceEvent>;

// Appends a note-like event (no wire line) and returns it for the caller to complete: the
// one way both sessions record what they did between lines.
TraceEvent& append_trace_note(Trace& trace, std::int64_t t_ms, TraceKind kind, TracePhase phase, TraceNote note,
                              std::string text);

// A wire line for a trace event's text: CR, LF, backslash and other control octets escaped
// (\r \n \\ \xNN), at most about 600 characters ("..." marks the cut).
std::string trace_printable(std::string_view wire);
// The event's text with its secret span (if any) shown as "<credentials hidden>": what a
// reader sees until they ask for the credentials (the simulator keeps them unmasked).
std::string trace_text_hiding_secret(const TraceEvent& event);

}  // namespace relaylab
