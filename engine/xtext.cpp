// xtext, RFC 3461 §4:
//   xtext = *( xchar / hexchar ); xchar = "!".."*" / ","..."<" / ">".."~";
//   hexchar = "+" 2(%x30-39 / %x41-46)
#include "engine/xtext.hpp"

namespace relaylab {
namespace {

int hex_upper_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;  // RFC 3461 §4 allows upper-case hex digits only
}

bool is_xchar(unsigned char c) { return c >= 0x21 && c <= 0x7E && c != '+' && c != '='; }

}  // namespace

std::optional<std::string> xtext_decode(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(in[i]);
        if (c == '+') {
            if (i + 2 >= in.size()) return std::nullopt;
            int hi = hex_upper_value(in[i + 1]);
            int lo = hex_upper_value(in[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else if (is_xchar(c)) {
            out += static_cast<char>(c);
        } else {
            return std::nullopt;
        }
    }
    return out;
}

std::string xtext_encode(std::string_view in) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(in.size());
    for (char ch : in) {
        unsigned char c = static_cast<unsigned char>(ch);
        if (is_xchar(c)) {
            out += ch;
        } else {
            out += '+';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

}  // namespace relaylab
