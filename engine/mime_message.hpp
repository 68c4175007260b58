#pragma once
// A received message taken apart (no I/O): its MIME tree (RFC 2045, RFC 2046 §5.1 multipart),
// each part's decoded content, and the reader's view of it — the text and HTML bodies, the
// attachments and the inline parts — as a mail client (or Mailpit) shows them.
//
// Part IDs number the tree the way IMAP does (RFC 3501 §6.4.5 BODY[section]): the children
// of a multipart are 1, 2, 3…, their children 2.1, 2.2…; a message that is not multipart
// has one part, "1". Parts past a depth of k_max_mime_depth are not taken apart further.
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engine/mime_header.hpp"

namespace relaylab {

constexpr int k_max_mime_depth = 16;

struct MimePart {
    std::string part_id;            // "" for a multipart root; see the file comment
    MimeFields fields;            // this part's header
    std::string content_type;       // "text/plain" (lower-case); the default when absent
    std::map<std::string, std::string> type_params;  // charset, boundary, name, …
    std::string disposition;        // "attachment", "inline" or "" (RFC 2183)
    std::string filename;           // disposition filename, else Content-Type name
    std::string content_id;         // Content-ID without its <>
    std::string transfer_encoding;  // lower-case: 7bit, 8bit, binary, quoted-printable, base64
    std::string_view raw_body;      // as in the message, still encoded (views the input)
    std::vector<MimePart> children; // multipart only

    bool is_multipart() const { return content_type.rfind("multipart/", 0) == 0; }
    // The body with its transfer encoding undone (bytes, charset untouched).
    std::string decoded() const;
    // decoded() as UTF-8 text (charset from the Content-Type; see to_utf8).
    std::string text() const;
};

// The tree of a whole message; the views in it point into `message`, which must outlive it.
MimePart parse_mime(std::string_view message);

// The reader's view of a message.
struct MimeView {
    const MimePart* text = nullptr;  // the first text/plain body (not an attachment)
    const MimePart* html = nullptr;  // the first text/html body (not an attachment)
    std::vector<const MimePart*> attachments;  // parts to save (message/rfc822 included, whole)
    std::vector<const MimePart*> inlines;      // parts shown inside the HTML (Content-ID, inline)
};
MimeView mime_view(const MimePart& root);

// The part with that ID (an attachment, an inline part or a body), or nullptr.
const MimePart* find_part(const MimePart& root, std::string_view part_id);

}  // namespace relaylab
