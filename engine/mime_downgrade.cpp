// 8-bit to 7-bit conversion (RFC 6152 §3) with the MIME transfer encodings of RFC 2045 §6 and
// the structure rules of RFC 2046. See mime_downgrade.hpp for what is converted and when the
// answer is "impossible".
#include "engine/mime_downgrade.hpp"

#include <optional>
#include <utility>
#include <vector>

#include "engine/ascii.hpp"
#include "engine/base64.hpp"
#include "engine/content_scan.hpp"

namespace relaylab {

namespace {

constexpr std::size_t k_qp_line_limit = 76;  // RFC 2045 §6.7 rule 5, without the line end
constexpr std::size_t k_base64_line = 76;    // RFC 2045 §6.8
constexpr int k_max_depth = 32;

constexpr bool is_wsp(char c) { return c == ' ' || c == '\t'; }

// ---- Content-Type and Content-Transfer-Encoding values (RFC 2045 §5.1, §6.1) ----

// RFC 2045 §5.1: tspecials, which together with SPACE and CTLs end a token.
constexpr bool is_tspecial(char c) {
    switch (c) {
        case '(': case ')': case '<': case '>': case '@': case ',': case ';': case ':':
        case '\\': case '"': case '/': case '[': case ']': case '?': case '=':
            return true;
        default:
            return false;
    }
}

constexpr bool is_token_char(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f && !is_tspecial(c);
}

// RFC 5322 §3.2.2 CFWS: whitespace, line ends left by folding, and (nested) comments, which
// RFC 2045 allows between the tokens of its structured fields.
void skip_cfws(std::string_view s, std::size_t& i) {
    while (i < s.size()) {
        const char c = s[i];
        if (is_wsp(c) || c == '\r' || c == '\n') {
            ++i;
        } else if (c == '(') {
            int depth = 0;
            while (i < s.size()) {
                if (s[i] == '\\') {
                    i += 2;
                    continue;
                }
                if (s[i] == '(') ++depth;
                if (s[i] == ')' && --depth == 0) {
                    ++i;
                    break;
                }
                ++i;
            }
            if (i > s.size()) i = s.size();
        } else {
            break;
        }
    }
}

std::string_view read_token(std::string_view s, std::size_t& i) {
    const std::size_t start = i;
    while (i < s.size() && is_token_char(s[i])) ++i;
    return s.substr(start, i - start);
}

// quoted-string (RFC 5322 §3.2.4) with its quotes and backslash escapes removed.
std::optional<std::string> read_quoted_string(std::string_view s, std::size_t& i) {
    if (i >= s.size() || s[i] != '"') return std::nullopt;
    std::string out;
    for (std::size_t j = i + 1; j < s.size(); ++j) {
        if (s[j] == '\\' && j + 1 < s.size()) {
            out += s[++j];
        } else if (s[j] == '"') {
            i = j + 1;
            return out;
        } else {
            out += s[j];
        }
    }
    return std::nullopt;  // no closing quote
}

struct MediaType {
    std::string type;     // lower case
    std::string subtype;  // lower case
    std::vector<std::pair<std::string, std::string>> parameters;  // names lower case, in order

    std::optional<std::string_view> parameter(std::string_view name) const {
        for (const auto& [n, v] : parameters)
            if (n == name) return std::string_view(v);  // the first wins over repeats
        return std::nullopt;
    }
};

// content := type "/" subtype *(";" parameter), parameter := attribute "=" value,
// value := token / quoted-string (RFC 2045 §5.1). nullopt when type/subtype is malformed, and
// then RFC 2045 §5.2 says to treat the entity as text/plain. Parameters are read leniently: a
// trailing ';' is ignored, and a value that is neither a token nor a quoted-string (such as
// the unquoted boundary==_x some mailers write) is taken up to the next ';'.
std::optional<MediaType> parse_content_type(std::string_view value) {
    MediaType mt;
    std::size_t i = 0;
    skip_cfws(value, i);
    const std::string_view type = read_token(value, i);
    skip_cfws(value, i);
    if (type.empty() || i >= value.size() || value[i] != '/') return std::nullopt;
    ++i;
    skip_cfws(value, i);
    const std::string_view subtype = read_token(value, i);
    if (subtype.empty()) return std::nullopt;
    mt.type = ascii_lowercase(type);
    mt.subtype = ascii_lowercase(subtype);
    while (true) {
        skip_cfws(value, i);
        if (i >= value.size() || value[i] != ';') break;
        ++i;
        skip_cfws(value, i);
        const std::string_view attribute = read_token(value, i);
        skip_cfws(value, i);
        if (attribute.empty() || i >= value.size() || value[i] != '=') break;
        ++i;
        skip_cfws(value, i);
        std::string v;
        const std::size_t value_start = i;
        if (auto q = read_quoted_string(value, i)) {
            v = std::move(*q);
        } else {
            const std::string_view tok = read_token(value, i);
            std::size_t after = i;
            skip_cfws(value, after);
            if (!tok.empty() && (after >= value.size() || value[after] == ';')) {
                v = std::string(tok);
            } else {  // not a token: the raw text up to ';'
                std::size_t end = value.find(';', value_start);
                if (end == std::string_view::npos) end = value.size();
                std::string_view raw = value.substr(value_start, end - value_start);
                while (!raw.empty() && (is_wsp(raw.back()) || raw.back() == '\r' || raw.back() == '\n'))
                    raw.remove_suffix(1);
                v = std::string(raw);
                i = end;
            }
        }
        mt.parameters.emplace_back(ascii_lowercase(attribute), std::move(v));
    }
    return mt;
}

// mechanism := "7bit" / "8bit" / "binary" / "quoted-printable" / "base64" / ietf-token /
// x-token (RFC 2045 §6.1), compared case-insensitively; absent means 7bit.
std::string transfer_encoding_of(const std::vector<HeaderField>& fields) {
    for (const HeaderField& f : fields) {
        if (!ascii_iequals(f.name, "Content-Transfer-Encoding")) continue;
        const std::string unfolded = unfold_header_value(f.value);
        std::size_t i = 0;
        skip_cfws(unfolded, i);
        return ascii_lowercase(read_token(unfolded, i));
    }
    return "7bit";
}

// ---- The encodings ----

constexpr char k_hex[] = "0123456789ABCDEF";

// One input line (without its line end) as quoted-printable, soft-broken at 76 characters.
// Each encoded line is built in a small buffer and appended whole: per-octet appends to the
// output string cost more than the encoding itself on a large body.
void append_qp_line(std::string& out, std::string_view line, std::string_view soft_eol) {
    char buf[k_qp_line_limit + 1];
    std::size_t column = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        const auto u = static_cast<unsigned char>(c);
        const bool last = i + 1 == line.size();
        // Rule 2 (literal printable ASCII except '='), rule 3 (SP and TAB literal except at the
        // end of the line, where a transport may strip them), rule 1 for everything else.
        const bool literal = (u >= 33 && u <= 126 && c != '=') || (is_wsp(c) && !last);
        const std::size_t width = literal ? 1 : 3;
        // A soft break "=" needs one column, so only the line's last character may reach 76.
        const std::size_t room = last ? k_qp_line_limit : k_qp_line_limit - 1;
        if (column + width > room) {
            buf[column++] = '=';
            out.append(buf, column);
            out += soft_eol;
            column = 0;
        }
        if (literal) {
            buf[column++] = c;
        } else {
            buf[column++] = '=';
            buf[column++] = k_hex[u >> 4];
            buf[column++] = k_hex[u & 0x0f];
        }
    }
    out.append(buf, column);
}

// ---- The conversion ----

class Downgrader {
public:
    explicit Downgrader(std::string_view eol) : eol_(eol) {}

    // A whole message (the top level, or the content of a message/rfc822 entity).
    // `path` numbers the entity as IMAP does (RFC 3501 §6.4.5: "" for the top, "2.1", ...);
    // `where` names it in a reason.
    bool message(std::string_view text, const std::string& path, const std::string& where, int depth) {
        if (!contains_8bit(text)) {
            out_ += text;
            return true;
        }
        const MessageSections s = split_header_section(text);
        if (contains_8bit(s.header))
            return fail("the header section of " + where +
                        " has 8-bit octets (UTF-8 header fields, RFC 6532); only a next hop with SMTPUTF8 can take them, "
                        "MIME encodings do not apply to header fields");
        if (!has_header(text, "MIME-Version"))
            return fail(where +
                        " has 8-bit octets in its body but no MIME-Version field (RFC 2045 §4), so there is no MIME "
                        "structure to say what they are or to label an encoding with");
        return entity(text, MediaType{"text", "plain", {}}, path, where, depth);
    }

    std::string take_output() { return std::move(out_); }
    const std::string& reason() const { return reason_; }

private:
    std::string_view eol_;
    std::string out_;
    std::string reason_;

    bool fail(std::string why) {
        if (reason_.empty()) reason_ = std::move(why);
        return false;
    }

    // A MIME entity: header fields, empty line, body. `default_type` applies when there is no
    // Content-Type field (text/plain, or message/rfc822 in a multipart/digest, RFC 2046 §5.1.5).
    bool entity(std::string_view text, const MediaType& default_type, const std::string& path,
                const std::string& where, int depth) {
        if (!contains_8bit(text)) {
            out_ += text;
            return true;
        }
        if (depth > k_max_depth) return fail(where + " is nested more than 32 levels deep");
        const MessageSections s = split_header_section(text);
        if (contains_8bit(s.header))
            return fail("the header fields of " + where +
                        " have 8-bit octets; MIME encodings do not apply to header fields (RFC 6532 needs SMTPUTF8)");
        const std::vector<HeaderField> fields = header_fields(s.header);
        MediaType type = default_type;
        for (const HeaderField& f : fields) {
            if (!ascii_iequals(f.name, "Content-Type")) continue;
            // RFC 2045 §5.2: a Content-Type that cannot be read counts as text/plain.
            type = parse_content_type(unfold_header_value(f.value)).value_or(MediaType{"text", "plain", {}});
            break;
        }
        const std::string cte = transfer_encoding_of(fields);
        if (cte == "binary")
            return fail(where + " is Content-Transfer-Encoding: binary, which needs BINARYMIME (RFC 3030) at the next hop");
        if (cte == "quoted-printable" || cte == "base64")
            return fail(where + " is labelled " + cte + " but its body has 8-bit octets, which that encoding never produces");
        if (cte != "7bit" && cte != "8bit")
            return fail(where + " has the unknown Content-Transfer-Encoding \"" + cte + "\"");

        const std::string media = type.type + "/" + type.subtype;
        if (type.type == "multipart") {
            write_container_header(fields, s, cte);
            return multipart(s.body, type, path, where, depth);
        }
        if (type.type == "message") {
            if (type.subtype == "rfc822") {
                write_container_header(fields, s, cte);
                // IMAP numbers the enclosed message's parts under the part itself.
                const std::string inner = path.empty() ? "1" : path;
                return message(s.body, inner, "the message in " + where, depth + 1);
            }
            const bool global = type.subtype == "global" || type.subtype == "global-headers" ||
                                type.subtype == "global-delivery-status" ||
                                type.subtype == "global-disposition-notification";
            if (!global) {
                if (type.subtype == "partial" || type.subtype == "external-body")
                    return fail(where + " is " + media +
                                ", which must be 7bit (RFC 2046 §5.2.2, §5.2.3), but has 8-bit octets");
                return fail(where + " is " + media +
                            " with 8-bit octets; a message type may forbid transfer encodings (as message/rfc822 "
                            "does, RFC 2046 §5.2.1) and this one is not known");
            }
            // RFC 6532 §3.5 / RFC 6533: the global types may be encoded; they are text.
            write_leaf(fields, s.separator, s.body, true);
            return true;
        }
        write_leaf(fields, s.separator, s.body, type.type == "text");
        return true;
    }

    // The header fields with every Content-Transfer-Encoding field dropped and one with
    // `mechanism` in place of the first (or after the last field when there was none).
    void write_fields(const std::vector<HeaderField>& fields, std::string_view mechanism) {
        bool written = false;
        for (const HeaderField& f : fields) {
            if (ascii_iequals(f.name, "Content-Transfer-Encoding")) {
                if (!written) write_cte(mechanism);
                written = true;
                continue;
            }
            // Every raw field ends with its line end: an empty line follows the section
            // (an entity without one has no body, so it never gets here).
            out_ += f.raw;
        }
        if (!written) write_cte(mechanism);
    }

    void write_cte(std::string_view mechanism) {
        out_ += "Content-Transfer-Encoding: ";
        out_ += mechanism;
        out_ += eol_;
    }

    void write_leaf(const std::vector<HeaderField>& fields, std::string_view separator, std::string_view body,
                    bool text) {
        write_fields(fields, text ? "quoted-printable" : "base64");
        out_ += separator;
        out_ += text ? encode_quoted_printable(body, eol_) : encode_base64_lines(body, eol_);
    }

    // A multipart or message/rfc822 entity's header, before its content is converted: once
    // that is 7-bit an "8bit" label would be wrong (RFC 2045 §6.2), so it becomes "7bit".
    // Other labels (7bit, absent) stay as they were. (When the conversion fails after all, the
    // whole output is thrown away.)
    void write_container_header(const std::vector<HeaderField>& fields, const MessageSections& s,
                                const std::string& cte) {
        if (cte == "8bit")
            write_fields(fields, "7bit");
        else
            out_ += s.header;
        out_ += s.separator;
    }

    // RFC 2046 §5.1.1: a delimiter line is "--" boundary, then "--" for the close delimiter,
    // then optional transport padding (LWSP). Returns 0 (not one), 1 (delimiter), 2 (close).
    static int delimiter_kind(std::string_view line, std::string_view boundary) {
        if (line.size() < 2 + boundary.size() || line[0] != '-' || line[1] != '-' ||
            line.substr(2, boundary.size()) != boundary)
            return 0;
        std::string_view rest = line.substr(2 + boundary.size());
        int kind = 1;
        if (rest.starts_with("--")) {
            kind = 2;
            rest.remove_prefix(2);
        }
        for (char c : rest)
            if (!is_wsp(c)) return 0;
        return kind;
    }

    bool multipart(std::string_view body, const MediaType& type, const std::string& path, const std::string& where,
                   int depth) {
        const std::optional<std::string_view> boundary = type.parameter("boundary");
        if (!boundary || boundary->empty())
            return fail(where + " is multipart/" + type.subtype + " without a boundary parameter (RFC 2046 §5.1.1)");
        const MediaType part_default =
            type.subtype == "digest" ? MediaType{"message", "rfc822", {}} : MediaType{"text", "plain", {}};
        const std::string prefix = path.empty() ? "" : path + ".";
        const auto part = [&](std::string_view content, int n) {
            return entity(content, part_default, prefix + std::to_string(n), "body part " + prefix + std::to_string(n),
                          depth + 1);
        };
        // Text between delimiters: the preamble, then one body part after each delimiter
        // (not the close delimiter). The line end before a delimiter line belongs to it.
        bool in_part = false;
        int part_no = 0;
        std::size_t segment = 0;  // where the current preamble or part starts
        std::size_t pos = 0;
        while (pos < body.size()) {
            const std::size_t nl = body.find('\n', pos);
            const std::size_t next = nl == std::string_view::npos ? body.size() : nl + 1;
            std::size_t content_end = nl == std::string_view::npos ? body.size() : nl;
            if (content_end > pos && body[content_end - 1] == '\r') --content_end;
            const int kind = delimiter_kind(body.substr(pos, content_end - pos), *boundary);
            if (kind == 0) {
                pos = next;
                continue;
            }
            std::size_t before = pos;  // the delimiter's leading line end, unless a part is empty
            if (before > segment && body[before - 1] == '\n') {
                --before;
                if (before > segment && body[before - 1] == '\r') --before;
            }
            const std::string_view content = body.substr(segment, before - segment);
            if (!in_part) {
                if (contains_8bit(content))
                    return fail("the preamble of " + where +
                                " has 8-bit octets; no transfer encoding applies to a preamble (RFC 2046 §5.1.1)");
                out_ += content;
            } else if (!part(content, part_no)) {
                return false;
            }
            out_ += body.substr(before, next - before);  // the delimiter line, as it was
            if (kind == 2) {
                const std::string_view epilogue = body.substr(next);
                if (contains_8bit(epilogue))
                    return fail("the epilogue of " + where +
                                " has 8-bit octets; no transfer encoding applies to an epilogue (RFC 2046 §5.1.1)");
                out_ += epilogue;
                return true;
            }
            in_part = true;
            ++part_no;
            segment = next;
            pos = next;
        }
        if (!in_part)
            return fail(where + " is multipart/" + type.subtype + " but no line of its body is a boundary delimiter");
        // No close delimiter: the last part runs to the end (read leniently, as MUAs do).
        return part(body.substr(segment), part_no);
    }
};

// The line end the message itself uses, taken from its first line: new lines match it.
std::string_view line_end_of(std::string_view message) {
    const std::size_t nl = message.find('\n');
    if (nl != std::string_view::npos && (nl == 0 || message[nl - 1] != '\r')) return "\n";
    return "\r\n";
}

}  // namespace

std::string encode_quoted_printable(std::string_view body, std::string_view eol) {
    std::string out;
    out.reserve(body.size() + body.size() / 8 + 16);
    std::size_t pos = 0;
    while (pos < body.size()) {
        const std::size_t nl = body.find('\n', pos);
        if (nl == std::string_view::npos) {  // a last line without a line end
            append_qp_line(out, body.substr(pos), eol);
            break;
        }
        // A hard line break (RFC 2045 §6.7 rule 4) keeps its octets: CRLF, or a bare LF.
        const std::size_t end = (nl > pos && body[nl - 1] == '\r') ? nl - 1 : nl;
        const std::string_view line_eol = body.substr(end, nl + 1 - end);
        append_qp_line(out, body.substr(pos, end - pos), line_eol);
        out += line_eol;
        pos = nl + 1;
    }
    return out;
}

std::string encode_base64_lines(std::string_view body, std::string_view eol) {
    const std::string flat = base64_encode(body);
    std::string out;
    out.reserve(flat.size() + (flat.size() / k_base64_line + 1) * eol.size());
    for (std::size_t i = 0; i < flat.size(); i += k_base64_line) {
        if (i > 0) out += eol;
        out.append(flat, i, k_base64_line);
    }
    if (!body.empty() && body.back() == '\n') out += eol;
    return out;
}

DowngradeResult downgrade_to_7bit(std::string_view message) {
    DowngradeResult r;
    if (!contains_8bit(message)) {
        r.status = DowngradeStatus::unchanged;
        r.content = std::string(message);
        return r;
    }
    Downgrader d(line_end_of(message));
    if (!d.message(message, "", "the message", 0)) {
        r.status = DowngradeStatus::impossible;
        r.reason = d.reason();
        return r;
    }
    r.status = DowngradeStatus::converted;
    r.content = d.take_output();
    return r;
}

}  // namespace relaylab
