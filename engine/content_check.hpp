#pragma once
// The one content check of the SMTP server, shared by DATA and BDAT: what the message
// content held (8-bit octets, NUL, over-long lines, bare CR/LF, size) and the verdict at the
// end of the message.
//
//   ContentCheck check(config.max_text_line, config.max_message_size);
//   check.feed(chunk); ... check.end();      // BDAT: raw chunk octets, any split
//   check.take(decoder);                     // DATA: the DataDecoder's one pass already knows
//   ContentVerdict v = judge_content(check.facts(), declared_8bit, strict_8bitmime);
//   if (!v.accepted()) reply(v.code, v.enhanced, v.text);
//
// Choices where the RFCs leave room:
//  - Refusals come at the end of the message, as "554 5.6.0" (RFC 5321 §4.3.2 allows 554
//    after the data; RFC 3463 X.6.0 is "other media error"); too big is "552 5.3.4"
//    (RFC 1870 §6.3). Order: too big, over-long line, NUL, undeclared 8-bit.
//  - A text line over max_text_line octets (RFC 5321 §4.5.3.1.6) and NUL (RFC 6152 §3,
//    RFC 2045 §2.7-2.8; there is no BINARYMIME, RFC 3030 §3) are always refused.
//  - Undeclared 8-bit content (octets >= 0x80 without BODY=8BITMIME, RFC 6152 §3, or
//    SMTPUTF8, RFC 6531 §3.1) is accepted unless strict_8bitmime is set, as Postfix does by
//    default (strict_8bitmime = no): msmtp, curl, swaks and Python's send_message send UTF-8
//    text without declaring it. RFC 6152 §3 puts the duty to declare on the client; RFC 5321
//    §2.4 lets a server refuse such content ("MAY reject") without requiring it. The host
//    sees Envelope::content_8bit, so it can relay the message as 8BITMIME.
//  - Bare CR / bare LF are not refused: DATA can never end on them (DataDecoder, SMTP
//    smuggling), and both paths store the content with CR LF line ends.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/dot_codec.hpp"

namespace relaylab {

struct ContentFacts {
    std::uint64_t size = 0;      // content octets
    bool eight_bit = false;      // an octet >= 0x80
    bool nul = false;            // a NUL octet
    bool long_line = false;      // a line over max_text_line octets including CR LF
    bool bare_line_end = false;  // a CR or LF not in a CR LF pair
    bool too_large = false;      // more than max_size octets
};

class ContentCheck {
public:
    explicit ContentCheck(std::size_t max_text_line = 1000, std::uint64_t max_size = UINT64_MAX);
    // Raw content octets (BDAT chunks), any split. A bare CR or LF ends a line for the count.
    void feed(std::string_view chunk);
    // No more octets: a CR still waiting for its LF was a bare CR.
    void end();
    // DATA: the DataDecoder already scanned every octet once; its findings are taken over.
    void take(const DataDecoder& decoder);
    const ContentFacts& facts() const { return facts_; }
    std::uint64_t size() const { return facts_.size; }
    void reset();

private:
    std::size_t max_text_line_;
    std::uint64_t max_size_;
    ContentFacts facts_;
    std::size_t line_len_ = 0;  // octets of the current line so far, without CR LF
    bool prev_cr_ = false;      // the last octet fed was a CR
};

// The verdict at the end of a message. code 0: accepted.
struct ContentVerdict {
    int code = 0;
    std::string_view enhanced, text;
    bool accepted() const { return code == 0; }
};
// declared_8bit: MAIL had BODY=8BITMIME or SMTPUTF8.
ContentVerdict judge_content(const ContentFacts& facts, bool declared_8bit, bool strict_8bitmime);

}  // namespace relaylab
