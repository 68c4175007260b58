// The content check shared by DATA and BDAT (see content_check.hpp for the choices).
#include "engine/content_check.hpp"

namespace relaylab {

ContentCheck::ContentCheck(std::size_t max_text_line, std::uint64_t max_size)
    : max_text_line_(max_text_line), max_size_(max_size) {}

void ContentCheck::feed(std::string_view chunk) {
    // Across chunk boundaries: a CR at the end of one chunk may pair with an LF in the next.
    for (char ch : chunk) {
        const unsigned char c = static_cast<unsigned char>(ch);
        if (c == '\r') {
            if (prev_cr_) facts_.bare_line_end = true;
            prev_cr_ = true;
            continue;
        }
        if (c == '\n') {
            if (!prev_cr_) facts_.bare_line_end = true;
            prev_cr_ = false;
            line_len_ = 0;
            continue;
        }
        if (prev_cr_) {  // a bare CR ended the line
            facts_.bare_line_end = true;
            line_len_ = 0;
            prev_cr_ = false;
        }
        if (c == 0) facts_.nul = true;
        if (c >= 0x80) facts_.eight_bit = true;
        // RFC 5321 §4.5.3.1.6: at most max_text_line octets per line, CR LF included.
        if (++line_len_ + 2 > max_text_line_) facts_.long_line = true;
    }
    facts_.size += chunk.size();
    if (facts_.size > max_size_) facts_.too_large = true;
}

void ContentCheck::end() {
    if (prev_cr_) facts_.bare_line_end = true;
}

void ContentCheck::take(const DataDecoder& decoder) {
    facts_.size = decoder.size();
    facts_.eight_bit = decoder.saw_8bit();
    facts_.nul = decoder.saw_nul();
    facts_.long_line = decoder.line_too_long();
    facts_.bare_line_end = decoder.saw_bare_lf() || decoder.saw_bare_cr();
    facts_.too_large = decoder.too_large();
}

void ContentCheck::reset() {
    facts_ = ContentFacts{};
    line_len_ = 0;
    prev_cr_ = false;
}

ContentVerdict judge_content(const ContentFacts& facts, bool declared_8bit, bool strict_8bitmime) {
    if (facts.too_large)  // RFC 1870 §6.3, RFC 5321 §4.5.3.1.10
        return {552, "5.3.4", "Message size exceeds fixed maximum message size"};
    if (facts.long_line)  // RFC 5321 §4.5.3.1.6; 554 after the data, RFC 5321 §4.3.2; RFC 3463 X.6.0
        return {554, "5.6.0", "Message content rejected: a text line is too long"};
    if (facts.nul)  // RFC 6152 §3, RFC 2045 §2.7-2.8; no BINARYMIME (RFC 3030 §3)
        return {554, "5.6.0", "Message content rejected: NUL octets are not allowed"};
    if (facts.eight_bit && !declared_8bit && strict_8bitmime)  // RFC 6152 §3, RFC 6531 §3.1
        return {554, "5.6.0", "Message content rejected: 8-bit data requires BODY=8BITMIME"};
    return {};
}

}  // namespace relaylab
