#pragma once
// The one vocabulary of everything worth showing (docs/architecture.md, "Trace events"): the
// simulator and the native relay both produce these; the UI renders only these.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

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

const char* trace_kind_name(TraceKind kind);

struct TraceEvent {
    std::int64_t t_ms = 0;  // virtual or real time in milliseconds
    TraceKind kind = TraceKind::note;
    std::string from;       // who sent it / where it happened (host name); hosts fill it in
    std::string to;         // whom it went to, if anyone
    std::string text;       // the wire line (without CRLF) or a short description
    std::string explain;    // plain language, for a newcomer
    std::string rfc;        // e.g. "RFC 5321 §4.1.1.1", or empty

    bool operator==(const TraceEvent&) const = default;
};

using Trace = std::vector<TraceEvent>;

// A wire line for a trace event's text: CR, LF, backslash and other control octets escaped
// (\r \n \\ \xNN), at most about 600 characters ("..." marks the cut).
std::string trace_printable(std::string_view wire);

}  // namespace relaylab
