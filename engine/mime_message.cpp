#include "engine/mime_message.hpp"

#include "engine/ascii.hpp"
#include "engine/content_scan.hpp"

namespace relaylab {

namespace {

bool all_whitespace(std::string_view s) {
    for (char c : s)
        if (c != ' ' && c != '\t') return false;
    return true;
}

// The bodies of a multipart (RFC 2046 §5.1.1): between delimiter lines "--boundary", up to the
// close delimiter "--boundary--". The line break before a delimiter belongs to the delimiter.
// The preamble and epilogue are dropped; an unterminated last part keeps what is there.
std::vector<std::string_view> split_multipart(std::string_view body, std::string_view boundary) {
    std::vector<std::string_view> parts;
    const std::string dash = "--" + std::string(boundary);
    bool started = false, closed = false;
    std::size_t part_start = 0, pos = 0;
    while (pos < body.size()) {
        const std::size_t eol = body.find('\n', pos);
        const std::size_t line_end = eol == std::string_view::npos ? body.size() : eol;
        const std::size_t next = eol == std::string_view::npos ? body.size() : eol + 1;
        std::string_view line = body.substr(pos, line_end - pos);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.substr(0, dash.size()) == dash) {
            std::string_view rest = line.substr(dash.size());
            const bool close = rest.substr(0, 2) == "--";
            if (close || all_whitespace(rest)) {  // transport padding may follow (§5.1.1)
                if (started) {
                    std::size_t end = pos;
                    if (end > part_start && body[end - 1] == '\n') --end;
                    if (end > part_start && body[end - 1] == '\r') --end;
                    parts.push_back(body.substr(part_start, end - part_start));
                }
                if (close) {
                    closed = true;
                    break;
                }
                started = true;
                part_start = next;
            }
        }
        pos = next;
    }
    if (started && !closed) parts.push_back(body.substr(part_start));
    return parts;
}

void fill_part(MimePart& part, std::string_view text, const std::string& default_type, int depth) {
    const MessageSections hb = split_header_section(text);
    part.fields = parse_mime_fields(hb.header);
    part.raw_body = hb.body;
    const auto ct = header_value(part.fields, "Content-Type");
    MimeValue type = ct ? parse_mime_value(*ct) : MimeValue{};
    // A Content-Type without a "/" is not one (RFC 2045 §5.2: the default then applies).
    if (type.value.find('/') == std::string::npos) type.value = default_type;
    part.content_type = type.value;
    part.type_params = std::move(type.params);
    if (auto cte = header_value(part.fields, "Content-Transfer-Encoding"))
        part.transfer_encoding = parse_mime_value(*cte).value;
    MimeValue disp;
    if (auto cd = header_value(part.fields, "Content-Disposition")) disp = parse_mime_value(*cd);
    part.disposition = disp.value;
    if (auto f = disp.params.find("filename"); f != disp.params.end()) part.filename = f->second;
    else if (auto n = part.type_params.find("name"); n != part.type_params.end()) part.filename = n->second;
    if (auto cid = header_value(part.fields, "Content-ID")) {
        std::string id = *cid;
        if (id.size() >= 2 && id.front() == '<' && id.back() == '>') id = id.substr(1, id.size() - 2);
        part.content_id = id;
    }
    if (!part.is_multipart() || depth >= k_max_mime_depth) return;
    const auto boundary = part.type_params.find("boundary");
    if (boundary == part.type_params.end() || boundary->second.empty()) return;
    // multipart/digest: its parts are messages unless they say otherwise (§5.1.5).
    const std::string child_default = part.content_type == "multipart/digest" ? "message/rfc822" : "text/plain";
    int n = 0;
    for (std::string_view piece : split_multipart(part.raw_body, boundary->second)) {
        MimePart child;
        child.part_id = (part.part_id.empty() ? "" : part.part_id + ".") + std::to_string(++n);
        fill_part(child, piece, child_default, depth + 1);
        part.children.push_back(std::move(child));
    }
}

void classify(const MimePart& part, MimeView& view) {
    if (part.is_multipart() && !part.children.empty()) {
        for (const MimePart& c : part.children) classify(c, view);
        return;
    }
    const bool attachment = ascii_iequals(part.disposition, "attachment");
    const bool body_type = part.content_type == "text/plain" || part.content_type == "text/html";
    if (body_type && !attachment && part.filename.empty()) {
        const MimePart*& slot = part.content_type == "text/plain" ? view.text : view.html;
        if (!slot) {
            slot = &part;
            return;
        }
    }
    if (!attachment && (ascii_iequals(part.disposition, "inline") || !part.content_id.empty()) && !body_type)
        view.inlines.push_back(&part);
    else
        view.attachments.push_back(&part);
}

const MimePart* find_in(const MimePart& part, std::string_view id) {
    if (part.part_id == id) return &part;
    for (const MimePart& c : part.children)
        if (id.substr(0, c.part_id.size()) == c.part_id)
            if (const MimePart* p = find_in(c, id)) return p;
    return nullptr;
}

}  // namespace

std::string MimePart::decoded() const {
    if (transfer_encoding == "base64") return decode_base64_lenient(raw_body);
    if (transfer_encoding == "quoted-printable") return decode_quoted_printable(raw_body);
    return std::string(raw_body);
}

std::string MimePart::text() const {
    const auto cs = type_params.find("charset");
    return to_utf8(decoded(), cs == type_params.end() ? "us-ascii" : cs->second);
}

MimePart parse_mime(std::string_view message) {
    MimePart root;
    fill_part(root, message, "text/plain", 0);
    if (!root.is_multipart() || root.children.empty()) root.part_id = "1";
    return root;
}

MimeView mime_view(const MimePart& root) {
    MimeView view;
    classify(root, view);
    return view;
}

const MimePart* find_part(const MimePart& root, std::string_view part_id) {
    if (part_id.empty()) return nullptr;
    return find_in(root, part_id);
}

}  // namespace relaylab
