// The wire view of one step (see the header).
#include "sim/wire_view.hpp"

#include <algorithm>

#include "engine/base64.hpp"
#include "engine/command.hpp"
#include "sim/wire_observer.hpp"

namespace relaylab::sim {

namespace {

bool ends_crlf(const std::string& line) { return line.size() >= 2 && line.compare(line.size() - 2, 2, "\r\n") == 0; }
bool ends_bare_lf(const std::string& line) { return !line.empty() && line.back() == '\n' && !ends_crlf(line); }

// AUTH PLAIN's message is authzid NUL authcid NUL passwd (RFC 4616 §2); other credentials
// (LOGIN's lines) are shown as they decode.
void decode_credentials(WireLine& l, std::string_view b64) {
    auto raw = base64_decode(b64);
    if (!raw) {
        l.secret_decoded = "(not valid base64)";
        return;
    }
    {
        const auto a = raw->find('\0');
        const auto b = a == std::string::npos ? std::string::npos : raw->find('\0', a + 1);
        if (b != std::string::npos) {
            l.secret_user = raw->substr(a + 1, b - a - 1);
            l.secret_password = raw->substr(b + 1);
            std::string out = "user " + l.secret_user + ", password " + wire_escaped(l.secret_password);
            if (a > 0) out += " (acting as " + raw->substr(0, a) + ")";
            l.secret_decoded = out;
            return;
        }
    }
    l.secret_decoded = wire_escaped(*raw);
    l.secret_decoded.insert(l.secret_decoded.begin(), '"');
    l.secret_decoded.push_back('"');
}

void content_notes(std::vector<WireLine>& lines, bool data_content, const std::string& sender,
                   const std::string& receiver) {
    for (std::size_t i = 0; i < lines.size(); ++i) {
        WireLine& l = lines[i];
        const bool after_bare_lf = i > 0 && ends_bare_lf(lines[i - 1].bytes);
        if (ends_bare_lf(l.bytes))
            l.notes.push_back({"a bare LF: in SMTP only CR LF ends a line; the receiver stores CR LF here",
                               "RFC 5321 §2.3.8"});
        if (!data_content) continue;
        const bool dot_line = l.bytes == ".\r\n" || l.bytes == ".\n" || l.bytes == ".";
        if (dot_line && after_bare_lf)
            l.notes.push_back({"\\n.\\r\\n: a dot after a bare LF is NOT the end of the data. Only CR LF . CR LF "
                               "ends it, so the engine kept reading: everything up to the real end, commands "
                               "included, is message content (this is what SMTP smuggling counts on other "
                               "servers getting wrong)",
                               "RFC 5321 §4.1.1.4, §2.3.8"});
        else if (l.bytes == ".\r\n" && i + 1 == lines.size() && (i == 0 || ends_crlf(lines[i - 1].bytes)))
            l.notes.push_back({"CR LF . CR LF: the end of the data", "RFC 5321 §4.1.1.4"});
        else if (l.bytes.size() > 1 && l.bytes[0] == '.' && !dot_line && (i == 0 || !after_bare_lf))
            l.notes.push_back({sender + " doubled the leading dot (dot-stuffing) so that the line cannot end the "
                               "data; " + receiver + " removes one dot and stores \"" +
                                   wire_escaped(std::string_view(l.bytes).substr(1, std::min<std::size_t>(40, l.bytes.size() - 1))) +
                                   "\"",
                               "RFC 5321 §4.5.2"});
    }
}

}  // namespace

std::string wire_escaped(std::string_view bytes) {
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        const unsigned char ch = static_cast<unsigned char>(bytes[i]);
        if (ch == '\r') out += "\\r";
        else if (ch == '\n') out += "\\n";
        else if (ch == '\t') out += "\\t";
        else if (ch == '\\') out += "\\\\";
        else if (ch < 0x20 || ch == 0x7f) out += std::string("\\x") + hex[ch >> 4] + hex[ch & 15];
        else if (ch < 0x80) out += static_cast<char>(ch);
        else {
            // Keep a valid UTF-8 sequence; escape a stray octet.
            const std::size_t len = (ch & 0xe0) == 0xc0 ? 2 : (ch & 0xf0) == 0xe0 ? 3 : (ch & 0xf8) == 0xf0 ? 4 : 0;
            bool ok = len > 0 && i + len <= bytes.size();
            for (std::size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(bytes[i + k]) & 0xc0) == 0x80;
            if (ok) {
                out.append(bytes.substr(i, len));
                i += len - 1;
            } else {
                out += std::string("\\x") + hex[ch >> 4] + hex[ch & 15];
            }
        }
    }
    return out;
}

std::vector<std::string> wire_split_lines(std::string_view bytes) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < bytes.size()) {
        const auto lf = bytes.find('\n', start);
        const std::size_t end = lf == std::string_view::npos ? bytes.size() : lf + 1;
        out.emplace_back(bytes.substr(start, end - start));
        start = end;
    }
    return out;
}

WireStepView wire_step_view(const std::vector<Step>& steps, const WireLog& log, std::size_t step_index) {
    WireStepView v;
    if (step_index >= steps.size()) return v;
    const Step& step = steps[step_index];
    const WireConnection* c = log.connection(step.connection);
    if (c) {
        v.connection = c->id;
        v.client = c->client;
        v.server = c->server;
        v.port = c->server_port;
    }
    const WireSpan* span = log.span(step_index);
    if (!span || !c) {
        if (c && step.event.kind == TraceKind::tls && c->tls) {
            v.tls = true;
            for (const auto& o : observe_connection(*c))
                if (o.kind != ObservedKind::cleartext && o.kind != ObservedKind::tls_application)
                    v.observer.push_back({o.dir, o.label, o.bytes.size(), 0, o.kind == ObservedKind::tls_encrypted});
            v.summary = c->tls->implicit ? "Port 465: TLS from the first octet; the observer sees the handshake, then only records."
                                         : "The TLS handshake after STARTTLS's 220: from here on an observer sees only records.";
        } else {
            v.summary = "This step put no SMTP octets on the wire (it happens inside a host, in DNS, or is a "
                        "connection's start or end).";
        }
        return v;
    }
    const std::string& stream = c->stream(span->dir);
    const std::string octets = stream.substr(span->offset, span->length);
    // Inside TLS when the octets were sent after the handshake began.
    for (const auto& ch : c->chunks)
        if (ch.dir == span->dir && ch.offset <= span->offset && span->offset < ch.offset + ch.bytes.size()) v.tls = ch.tls;
    const TraceEvent& ev = step.event;
    std::size_t pos = 0;
    for (auto& text : wire_split_lines(octets)) {
        WireLine l;
        l.dir = span->dir;
        l.tls = v.tls;
        l.bytes = std::move(text);
        if (ev.secret_end > ev.secret_begin && ev.secret_begin >= pos && ev.secret_end <= pos + l.bytes.size()) {
            l.secret_begin = ev.secret_begin - pos;
            l.secret_end = ev.secret_end - pos;
            decode_credentials(l, std::string_view(l.bytes).substr(l.secret_begin, l.secret_end - l.secret_begin));
            l.notes.push_back(v.tls ? WireNote{"credentials, inside TLS: an observer on the path sees only an "
                                               "encrypted record",
                                               "RFC 4954 §4, RFC 3207"}
                                    : WireNote{"credentials in base64, which is an encoding, not encryption: "
                                               "readable by anyone on the path",
                                               "RFC 4954 §4, RFC 4616 §2"});
        }
        pos += l.bytes.size();
        v.lines.push_back(std::move(l));
    }
    if (ev.kind == TraceKind::command && ev.verb == Verb::bdat) {
        const auto split = split_command(std::string_view(ev.wire).substr(0, ev.wire.find('\r')));
        if (auto args = parse_bdat_args(split.args); args && !v.lines.empty())
            v.lines[0].notes.push_back({"BDAT chunk size: exactly " + std::to_string(args->size) +
                                            " octets of content follow" + (args->last ? ", the last chunk" : "") +
                                            "; they are counted, never dot-stuffed, and need no end marker",
                                        "RFC 3030 §2"});
    }
    const bool data_content = ev.note == TraceNote::content || ev.note == TraceNote::bare_line_ending;
    const bool content = data_content || ev.note == TraceNote::content_bdat || ev.note == TraceNote::bare_line_ending_bdat;
    if (content) content_notes(v.lines, data_content, c->client, c->server);
    // What the path sees of these octets.
    for (const auto& o : observe_connection(*c)) {
        if (o.dir != span->dir || o.plain_length == 0) continue;
        if (o.plain_offset + o.plain_length <= span->offset || o.plain_offset >= span->offset + span->length) continue;
        v.observer.push_back({o.dir, o.label, o.bytes.size(), o.plain_length, o.kind != ObservedKind::cleartext});
    }
    v.summary = std::to_string(octets.size()) + " octets " +
                (span->dir == WireDir::to_server ? c->client + " → " + c->server : c->server + " → " + c->client) +
                (v.tls ? ", inside TLS" : ", in cleartext");
    return v;
}

}  // namespace relaylab::sim
