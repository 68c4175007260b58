#include "engine/trace.hpp"

namespace relaylab {

std::string trace_printable(std::string_view s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    constexpr std::size_t k_max = 600;
    std::string out;
    out.reserve((s.size() < k_max ? s.size() : k_max) + 8);
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (out.size() >= k_max) {
            out += "...";
            break;
        }
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c == '\r') out += "\\r";
        else if (c == '\n') out += "\\n";
        else if (c == '\\') out += "\\\\";
        else if (c < 0x20 || c == 0x7F) {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

std::string trace_text_hiding_secret(const TraceEvent& ev) {
    if (!ev.has_secret() || ev.secret_end > ev.wire.size()) return ev.text;
    std::string_view wire(ev.wire);
    std::string_view rest = wire.substr(ev.secret_end);
    if (rest.ends_with("\r\n")) rest.remove_suffix(2);
    return trace_printable(wire.substr(0, ev.secret_begin)) + "<credentials hidden>" + trace_printable(rest);
}

const char* trace_kind_name(TraceKind kind) {
    switch (kind) {
        case TraceKind::command: return "command";
        case TraceKind::reply: return "reply";
        case TraceKind::data: return "data";
        case TraceKind::state: return "state";
        case TraceKind::tls: return "tls";
        case TraceKind::dns_query: return "dns_query";
        case TraceKind::dns_answer: return "dns_answer";
        case TraceKind::connect: return "connect";
        case TraceKind::queue: return "queue";
        case TraceKind::delivery: return "delivery";
        case TraceKind::note: return "note";
    }
    return "note";
}

const char* trace_note_name(TraceNote note) {
    switch (note) {
        case TraceNote::none: return "none";
        case TraceNote::plaintext_before_tls: return "plaintext_before_tls";
        case TraceNote::pipelined_after_starttls: return "pipelined_after_starttls";
        case TraceNote::client_closed: return "client_closed";
        case TraceNote::client_closed_mid_message: return "client_closed_mid_message";
        case TraceNote::server_closed: return "server_closed";
        case TraceNote::line_too_long: return "line_too_long";
        case TraceNote::tls_established: return "tls_established";
        case TraceNote::tls_failed: return "tls_failed";
        case TraceNote::starttls_refused: return "starttls_refused";
        case TraceNote::idle_timeout: return "idle_timeout";
        case TraceNote::reply_timeout: return "reply_timeout";
        case TraceNote::content: return "content";
        case TraceNote::content_bdat: return "content_bdat";
        case TraceNote::end_of_data: return "end_of_data";
        case TraceNote::end_of_data_empty: return "end_of_data_empty";
        case TraceNote::bare_line_ending: return "bare_line_ending";
        case TraceNote::bare_line_ending_bdat: return "bare_line_ending_bdat";
        case TraceNote::eight_bit_accepted: return "eight_bit_accepted";
        case TraceNote::eight_bit_converted: return "eight_bit_converted";
        case TraceNote::unparseable_reply: return "unparseable_reply";
        case TraceNote::message_not_sent: return "message_not_sent";
        case TraceNote::session_failed: return "session_failed";
        case TraceNote::tls_handshake_failed: return "tls_handshake_failed";
        case TraceNote::tls_certificate_untrusted: return "tls_certificate_untrusted";
    }
    return "none";
}

const char* trace_phase_name(TracePhase phase) {
    switch (phase) {
        case TracePhase::intro: return "intro";
        case TracePhase::connect: return "connect";
        case TracePhase::greeting: return "greeting";
        case TracePhase::ehlo: return "ehlo";
        case TracePhase::tls: return "tls";
        case TracePhase::auth: return "auth";
        case TracePhase::envelope: return "envelope";
        case TracePhase::content: return "content";
        case TracePhase::queue: return "queue";
        case TracePhase::dns: return "dns";
        case TracePhase::delivery: return "delivery";
        case TracePhase::dsn: return "dsn";
        case TracePhase::other: return "other";
    }
    return "other";
}

const char* reply_class_name(ReplyClass c) {
    switch (c) {
        case ReplyClass::none: return "none";
        case ReplyClass::positive: return "positive";
        case ReplyClass::intermediate: return "intermediate";
        case ReplyClass::transient: return "transient";
        case ReplyClass::permanent: return "permanent";
    }
    return "none";
}

const char* dns_question_type_name(DnsQuestionType type) {
    switch (type) {
        case DnsQuestionType::none: return "none";
        case DnsQuestionType::mx: return "MX";
        case DnsQuestionType::a: return "A";
        case DnsQuestionType::aaaa: return "AAAA";
    }
    return "none";
}

const char* trace_dns_status_name(DnsStatus status) {
    switch (status) {
        case DnsStatus::ok: return "ok";
        case DnsStatus::nxdomain: return "nxdomain";
        case DnsStatus::nodata: return "nodata";
        case DnsStatus::servfail: return "servfail";
        case DnsStatus::timeout: return "timeout";
    }
    return "ok";
}

std::string dns_status_text(DnsStatus s) {
    switch (s) {
        case DnsStatus::ok: return "ok";
        case DnsStatus::nxdomain: return "NXDOMAIN (no such domain)";
        case DnsStatus::nodata: return "no records of this type";
        case DnsStatus::servfail: return "SERVFAIL (the DNS server failed)";
        case DnsStatus::timeout: return "no answer (timeout)";
    }
    return "?";
}

std::string dns_question_text(const TraceDns& dns) { return dns.name + " " + dns_question_type_name(dns.type); }

std::string dns_answer_text(const TraceDns& dns) {
    if (dns.status != DnsStatus::ok) return dns_status_text(dns.status);
    std::string out;
    for (const MxRecord& r : dns.mx) out += (out.empty() ? "" : ", ") + std::to_string(r.preference) + " " + r.exchange;
    for (const std::string& a : dns.addresses) out += (out.empty() ? "" : ", ") + a;
    return out;
}

TraceOutcome dns_trace_outcome(DnsStatus s) {
    switch (s) {
        case DnsStatus::ok: return TraceOutcome::ok;
        case DnsStatus::timeout: return TraceOutcome::timed_out;
        case DnsStatus::nxdomain:
        case DnsStatus::nodata:
        case DnsStatus::servfail: return TraceOutcome::failed;
    }
    return TraceOutcome::failed;
}

DnsQuestionType dns_question_type_of(AddressType type) {
    return type == AddressType::aaaa ? DnsQuestionType::aaaa : DnsQuestionType::a;
}

const char* trace_outcome_name(TraceOutcome outcome) {
    switch (outcome) {
        case TraceOutcome::none: return "none";
        case TraceOutcome::ok: return "ok";
        case TraceOutcome::delivered: return "delivered";
        case TraceOutcome::captured: return "captured";
        case TraceOutcome::relayed: return "relayed";
        case TraceOutcome::deferred: return "deferred";
        case TraceOutcome::bounced: return "bounced";
        case TraceOutcome::rejected: return "rejected";
        case TraceOutcome::refused: return "refused";
        case TraceOutcome::timed_out: return "timed_out";
        case TraceOutcome::failed: return "failed";
    }
    return "none";
}

TracePhase trace_phase_of(Verb verb) {
    switch (verb) {
        case Verb::ehlo:
        case Verb::helo: return TracePhase::ehlo;
        case Verb::starttls: return TracePhase::tls;
        case Verb::auth: return TracePhase::auth;
        case Verb::mail:
        case Verb::rcpt:
        case Verb::rset: return TracePhase::envelope;
        case Verb::data:
        case Verb::bdat: return TracePhase::content;
        case Verb::quit: return TracePhase::connect;
        case Verb::noop:
        case Verb::vrfy:
        case Verb::expn:
        case Verb::help:
        case Verb::unknown: return TracePhase::other;
    }
    return TracePhase::other;
}

// RFC 5321 §4.2.1: 2yz positive completion, 3yz positive intermediate, 4yz transient
// negative, 5yz permanent negative (1yz is unused by SMTP, so it is no class here).
ReplyClass reply_class_of(int code) {
    if (code < 200 || code > 599) return ReplyClass::none;
    switch (code / 100) {
        case 2: return ReplyClass::positive;
        case 3: return ReplyClass::intermediate;
        case 4: return ReplyClass::transient;
        case 5: return ReplyClass::permanent;
        default: return ReplyClass::none;
    }
}

TraceEvent& append_trace_note(Trace& trace, std::int64_t t_ms, TraceKind kind, TracePhase phase, TraceNote note,
                              std::string text) {
    TraceEvent& ev = trace.emplace_back();
    ev.t_ms = t_ms;
    ev.kind = kind;
    ev.phase = phase;
    ev.note = note;
    ev.text = std::move(text);
    return ev;
}

}  // namespace relaylab
