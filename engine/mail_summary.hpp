#pragma once
// What an inbox lists about one stored message (no I/O): sender, recipients, subject, dates,
// a snippet of the text, the number of attachments — read from the message with the MIME
// reader, decoded into UTF-8 — and the search over such summaries (a small subset of
// Mailpit's search filters).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/mime_header.hpp"

namespace relaylab {

struct MailSummary {
    std::string message_id;  // Message-ID without its <>
    std::string subject;     // encoded words decoded
    MailAddress from;
    std::vector<MailAddress> to, cc, bcc, reply_to;
    std::string return_path;  // the reverse-path the message arrived with, without <>
    std::optional<std::int64_t> date_ms;  // the Date: field, when it parses
    std::size_t attachments = 0;
    std::string snippet;  // up to k_snippet_chars characters of the text, whitespace collapsed
    std::string text;     // the whole text body (HTML with its tags removed when there is none)
};

constexpr std::size_t k_snippet_chars = 250;

// envelope_recipients: who the message was delivered to (the capture header's rcpt=, or
// Delivered-To:); those not named in To or Cc are listed as Bcc, as the recipient would
// never see them otherwise.
MailSummary summarize_message(std::string_view message, const std::vector<std::string>& envelope_recipients);

// HTML as plain text: tags, comments, <script>/<style> contents removed, a few entities
// decoded, whitespace collapsed.
std::string html_to_text(std::string_view html);

// A search query: space-separated terms, "quoted phrases" kept together, each optionally
// negated with "-" or "!". Filters: from:, to: (To, Cc and Bcc), cc:, bcc:, subject:,
// message-id:, is:read, is:unread, has:attachment; any other term is a plain word looked for
// in the sender, the recipients, the subject and the text. Case-insensitive substring matches.
struct SearchTerm {
    std::string field;  // "" for a plain word; "from", "to", "cc", "bcc", "subject", "message-id", "is", "has"
    std::string value;  // lower-case
    bool negated = false;
};
std::vector<SearchTerm> parse_search_query(std::string_view query);
// Every term matches (an empty query matches everything).
bool search_matches(const std::vector<SearchTerm>& terms, const MailSummary& summary, bool read);

}  // namespace relaylab
