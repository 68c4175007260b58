#include "engine/dsn.hpp"
#include "engine/ascii.hpp"
#include "engine/content_scan.hpp"

#include <algorithm>

#include "engine/ids.hpp"
#include "engine/received.hpp"

namespace relaylab {

namespace {

std::string trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return std::string(s);
}

// A header field whose value came (at least partly) from outside: sanitised, then folded.
void add_field(std::string& out, std::string_view name, std::string_view value) {
    out += fold_header_field(name, sanitize_header_text(value));
}

// Copies `text` with every line ending made CRLF and every line cut to at most 998 octets
// (RFC 5322 §2.1.1). With `headers_only`, stops before the first empty line.
void append_message_lines(std::string& out, std::string_view text, bool headers_only) {
    constexpr std::size_t max_line = 998;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = pos;
        while (end < text.size() && text[end] != '\r' && text[end] != '\n') ++end;
        std::string_view line = text.substr(pos, end - pos);
        if (end < text.size()) {
            if (text[end] == '\r' && end + 1 < text.size() && text[end + 1] == '\n')
                pos = end + 2;
            else
                pos = end + 1;
        } else {
            pos = end;
        }
        if (headers_only && line.empty()) return;
        while (line.size() > max_line) {
            out += line.substr(0, max_line);
            out += "\r\n";
            line.remove_prefix(max_line);
        }
        out += line;
        out += "\r\n";
    }
}

std::string diagnostic_text(const Reply& r) {
    std::string out = std::to_string(r.code);
    if (!r.enhanced.empty()) out += " " + r.enhanced;
    const std::string text = r.text();
    if (!text.empty()) out += " " + text;
    return out;
}

std::string lifetime_words(std::int64_t ms) {
    if (ms >= 86'400'000 && ms % 86'400'000 == 0) return std::to_string(ms / 86'400'000) + " days";
    if (ms >= 3'600'000 && ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + " hours";
    if (ms >= 60'000 && ms % 60'000 == 0) return std::to_string(ms / 60'000) + " minutes";
    return std::to_string(ms / 1000) + " seconds";
}

std::string status_of(const DsnRecipient& rcpt) {
    if (!rcpt.status.empty()) return rcpt.status;
    if (rcpt.diagnostic && !rcpt.diagnostic->enhanced.empty()) return rcpt.diagnostic->enhanced;
    switch (rcpt.action) {
        case DsnAction::failed: return rcpt.diagnostic && rcpt.diagnostic->transient() ? "4.0.0" : "5.0.0";
        case DsnAction::delayed: return "4.0.0";
        default: return "2.0.0";
    }
}

}  // namespace

const char* dsn_action_name(DsnAction action) {
    switch (action) {
        case DsnAction::failed: return "failed";
        case DsnAction::delayed: return "delayed";
        case DsnAction::delivered: return "delivered";
        case DsnAction::relayed: return "relayed";
        case DsnAction::expanded: return "expanded";
    }
    return "failed";
}

bool DsnNotify::wants(DsnAction action) const {
    if (never) return false;
    switch (action) {
        case DsnAction::failed: return failure;
        case DsnAction::delayed: return delay;
        case DsnAction::delivered:
        case DsnAction::relayed:
        case DsnAction::expanded: return success;
    }
    return false;
}

std::string notify_wire_value(const DsnNotify& n) {
    if (n.never) return "NEVER";
    std::string v;
    for (auto [on, word] : {std::pair{n.success, "SUCCESS"}, {n.failure, "FAILURE"}, {n.delay, "DELAY"}}) {
        if (!on) continue;
        if (!v.empty()) v += ',';
        v += word;
    }
    return v;
}

std::optional<DsnNotify> parse_notify(std::string_view value) {
    // RFC 3461 §4.1: "NEVER" / 1#( "SUCCESS" / "FAILURE" / "DELAY" )
    DsnNotify n;
    n.failure = n.delay = false;
    bool any = false;
    std::size_t pos = 0;
    while (true) {
        const std::size_t comma = value.find(',', pos);
        const std::string item = ascii_uppercase(trim(value.substr(pos, comma == std::string_view::npos ? comma : comma - pos)));
        if (item == "NEVER")
            n.never = true;
        else if (item == "SUCCESS")
            n.success = true;
        else if (item == "FAILURE")
            n.failure = true;
        else if (item == "DELAY")
            n.delay = true;
        else
            return std::nullopt;
        any = true;
        if (comma == std::string_view::npos) break;
        pos = comma + 1;
    }
    if (!any) return std::nullopt;
    if (n.never && (n.success || n.failure || n.delay)) return std::nullopt;  // NEVER stands alone
    return n;
}

DsnResult compose_dsn(const DsnRequest& req) {
    DsnResult result;
    // RFC 5321 §4.5.5 / RFC 3461 §6.2: a message with a null reverse-path is a notification
    // itself; answering it could start a bounce loop.
    if (req.original_sender.empty()) {
        result.outcome = DsnOutcome::null_sender;
        return result;
    }
    for (std::size_t i = 0; i < req.recipients.size(); ++i)
        if (req.recipients[i].notify.wants(req.recipients[i].action)) result.reported.push_back(i);
    if (result.reported.empty()) {
        result.outcome = DsnOutcome::not_requested;  // RFC 3461 §4.1 NOTIFY
        return result;
    }
    result.outcome = DsnOutcome::composed;
    result.envelope_recipient = sanitize_header_text(req.original_sender);

    bool any_failed = false;
    bool any_delayed = false;
    for (std::size_t i : result.reported) {
        any_failed |= req.recipients[i].action == DsnAction::failed;
        any_delayed |= req.recipients[i].action == DsnAction::delayed;
    }
    const std::string host = sanitize_header_text(req.reporting_mta.empty() ? "localhost" : req.reporting_mta);
    const bool headers_only = req.ret == Ret::hdrs;
    const bool eight_bit = contains_8bit(req.original_message);
    // Addresses may be UTF-8 (RFC 6531); say so when they are.
    bool utf8_text = false;
    for (std::size_t i : result.reported)
        utf8_text |= contains_8bit(req.recipients[i].final_recipient) ||
                     (req.recipients[i].diagnostic && contains_8bit(req.recipients[i].diagnostic->text())) ||
                     contains_8bit(req.recipients[i].local_diagnostic);

    // The boundary must not occur in any part (RFC 2046 §5.1.1); derive another if it does.
    std::uint64_t counter = req.counter;
    std::string boundary = make_mime_boundary(req.seed, counter);
    for (int tries = 0; tries < 64 && req.original_message.find(boundary) != std::string::npos; ++tries)
        boundary = make_mime_boundary(req.seed, ++counter);
    result.message_id = make_message_id(req.seed, req.counter, host);

    std::string& out = result.content;
    // ---- Top-level header (RFC 5322 §3.6, RFC 6522 §3) ----
    add_field(out, "From", "Mail Delivery System <MAILER-DAEMON@" + host + ">");
    add_field(out, "To", "<" + result.envelope_recipient + ">");
    const char* subject = any_failed    ? "Undelivered Mail Returned to Sender"
                          : any_delayed ? "Delayed Mail (still being retried)"
                                        : "Successful Mail Delivery Report";
    add_field(out, "Subject", subject);
    add_field(out, "Date", format_rfc5322_date(req.now_ms));
    add_field(out, "Message-ID", result.message_id);
    add_field(out, "Auto-Submitted", "auto-replied");  // RFC 3834 §5
    add_field(out, "MIME-Version", "1.0");
    out += "Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"" + boundary + "\"\r\n";
    // RFC 2045 §6.4: a multipart is 8bit when any of its parts is.
    if (eight_bit || utf8_text) out += "Content-Transfer-Encoding: 8bit\r\n";
    out += "\r\n";
    out += "This is a MIME-encapsulated message (RFC 6522 multipart/report).\r\n\r\n";

    // ---- Part 1: the human-readable explanation ----
    out += "--" + boundary + "\r\n";
    out += "Content-Description: Notification\r\n";
    out += utf8_text ? "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
                     : "Content-Type: text/plain; charset=us-ascii\r\n\r\n";
    out += "This is the mail system at host " + host + ".\r\n\r\n";
    if (any_failed)
        out += "I'm sorry to have to inform you that your message could not\r\n"
               "be delivered to one or more recipients. It's attached below.\r\n\r\n";
    else if (any_delayed)
        out += "Your message could not be delivered yet. The mail system will keep\r\n"
               "trying; you do not need to send it again.\r\n\r\n";
    else
        out += "Your message was successfully delivered to the recipients below.\r\n\r\n";
    for (std::size_t i : result.reported) {
        const DsnRecipient& r = req.recipients[i];
        std::string line = "<";
        line += sanitize_header_text(r.final_recipient);
        line += ">: ";
        line += dsn_action_name(r.action);
        if (r.diagnostic) line += ", " + sanitize_header_text(diagnostic_text(*r.diagnostic));
        else if (!r.local_diagnostic.empty()) line += ", " + sanitize_header_text(r.local_diagnostic);
        if (!r.remote_mta.empty()) line += " (from " + sanitize_header_text(r.remote_mta) + ")";
        if (r.expired)
            line += "; given up: the next try would pass the queue lifetime of " + lifetime_words(r.lifetime_ms);
        if (r.action == DsnAction::delayed && r.will_retry_until_ms)
            line += "; will retry until " + format_rfc5322_date(*r.will_retry_until_ms);
        // Folded like a header so no line of the text passes the limit.
        // Wrapped with the header folder (so no line passes the limit); in the body the
        // continuation lines are indented with one space instead of the TAB (same width, so
        // the 998-octet bound still holds).
        const std::string folded = fold_header_field("X", line);
        std::size_t pos = 3;  // skip the "X: " used only to reuse the folder
        while (pos < folded.size()) {
            const std::size_t eol = folded.find("\r\n", pos);
            out += folded.substr(pos, eol - pos);
            out += "\r\n";
            pos = eol + 2;
            if (pos < folded.size() && folded[pos] == '\t') {
                out += ' ';
                ++pos;
            }
        }
        out += "\r\n";
    }

    // ---- Part 2: message/delivery-status (RFC 3464 §2) ----
    out += "--" + boundary + "\r\n";
    out += "Content-Description: Delivery report\r\n";
    out += "Content-Type: message/delivery-status\r\n\r\n";
    // per-message-fields (RFC 3464 §2.2)
    add_field(out, "Reporting-MTA", "dns; " + host);
    if (!req.envid.empty()) add_field(out, "Original-Envelope-Id", req.envid);
    add_field(out, "Arrival-Date", format_rfc5322_date(req.arrival_ms));
    // per-recipient-fields (RFC 3464 §2.3), each block preceded by an empty line
    for (std::size_t i : result.reported) {
        const DsnRecipient& r = req.recipients[i];
        out += "\r\n";
        if (!r.original_recipient.empty()) {
            std::string orcpt = r.original_recipient;
            if (orcpt.find(';') == std::string::npos) orcpt = "rfc822;" + orcpt;
            add_field(out, "Original-Recipient", orcpt);
        }
        add_field(out, "Final-Recipient", "rfc822; " + r.final_recipient);
        add_field(out, "Action", dsn_action_name(r.action));
        add_field(out, "Status", status_of(r));
        if (!r.remote_mta.empty()) add_field(out, "Remote-MTA", "dns; " + r.remote_mta);
        if (r.diagnostic) add_field(out, "Diagnostic-Code", "smtp; " + diagnostic_text(*r.diagnostic));
        else if (!r.local_diagnostic.empty()) add_field(out, "Diagnostic-Code", "X-local; " + r.local_diagnostic);
        if (r.last_attempt_ms) add_field(out, "Last-Attempt-Date", format_rfc5322_date(*r.last_attempt_ms));
        if (r.action == DsnAction::delayed && r.will_retry_until_ms)
            add_field(out, "Will-Retry-Until", format_rfc5322_date(*r.will_retry_until_ms));
    }

    // ---- Part 3: the returned message or its header (RFC 3462/6522 §3, RFC 3461 §4.3) ----
    if (!req.original_message.empty()) {
        out += "\r\n--" + boundary + "\r\n";
        if (headers_only) {
            out += "Content-Description: Undelivered Message Headers\r\n";
            out += "Content-Type: text/rfc822-headers\r\n\r\n";
        } else {
            out += "Content-Description: Undelivered Message\r\n";
            out += "Content-Type: message/rfc822\r\n";
            if (eight_bit) out += "Content-Transfer-Encoding: 8bit\r\n";
            out += "\r\n";
        }
        append_message_lines(out, req.original_message, headers_only);
    }
    out += "\r\n--" + boundary + "--\r\n";
    return result;
}

}  // namespace relaylab
