// Submission fix-ups (RFC 6409 §8.2, §8.3) and the Return-Path of final delivery (RFC 5321
// §4.4).
#include "engine/header_fixup.hpp"

#include "engine/ascii.hpp"
#include "engine/content_scan.hpp"
#include "engine/ids.hpp"
#include "engine/received.hpp"

namespace relaylab {

SubmissionFixup missing_submission_headers(std::string_view message, std::string_view hostname,
                                           std::int64_t now_ms_since_epoch, std::uint64_t seed,
                                           std::uint64_t counter) {
    SubmissionFixup f;
    if (!has_header(message, "Date")) {
        f.headers += fold_header_field("Date", format_rfc5322_date(now_ms_since_epoch));
        f.added_date = true;
    }
    if (!has_header(message, "Message-ID")) {
        f.headers += fold_header_field("Message-ID", make_message_id(seed, counter, hostname));
        f.added_message_id = true;
    }
    return f;
}

std::string return_path_header(const Path& reverse_path) {
    std::string out = "Return-Path: <";
    if (!reverse_path.null) {
        // Not sanitize_header_text: that collapses spaces, and a quoted local part may hold
        // them ("john  doe"@example). Only the bytes that could end or forge a line go.
        for (char c : reverse_path.mailbox.to_string()) {
            const auto u = static_cast<unsigned char>(c);
            if (u < 0x20 || u == 0x7f) continue;
            out += c;
        }
    }
    out += ">\r\n";
    return out;
}

std::string strip_return_path(std::string_view message) {
    const MessageSections s = split_header_section(message);
    std::string out;
    out.reserve(message.size());
    for (const HeaderField& f : header_fields(s.header))
        if (!ascii_iequals(f.name, "Return-Path")) out += f.raw;
    out += s.separator;
    out += s.body;
    return out;
}

}  // namespace relaylab
