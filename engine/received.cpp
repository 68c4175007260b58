#include "engine/received.hpp"
#include "engine/ascii.hpp"

#include <array>

namespace relaylab {

namespace {

bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

std::string two_digits(int v) {
    std::string s;
    s += static_cast<char>('0' + (v / 10) % 10);
    s += static_cast<char>('0' + v % 10);
    return s;
}

// Keeps the characters `keep` accepts, replaces the others with '_', and caps the length:
// envelope data (EHLO argument, addresses) is hostile input and must not shape the header.
template <class Keep>
std::string filter_chars(std::string_view in, Keep keep, std::size_t max_len) {
    std::string out;
    for (char c : in) {
        if (out.size() >= max_len) break;
        out += keep(c) ? c : '_';
    }
    return out;
}

bool is_domain_char(char c) { return is_alnum(c) || c == '.' || c == '-' || c == '_'; }
// EHLO argument: a Domain or an address-literal (RFC 5321 §4.1.1.1, §4.1.3).
bool is_helo_char(char c) { return is_domain_char(c) || c == '[' || c == ']' || c == ':'; }
bool is_ip_char(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '.' || c == ':';
}
bool is_tls_char(char c) { return is_alnum(c) || c == '.' || c == '-' || c == '_' || c == '/' || c == '='; }
// A mailbox inside "for <...>": printable ASCII (and UTF-8 bytes), but nothing that could end
// the angle brackets, the clause (';' starts the date) or a comment.
bool is_for_char(char c) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) return true;
    if (u <= 0x20 || u == 0x7f) return false;
    return c != '<' && c != '>' && c != ';' && c != '(' && c != ')';
}

}  // namespace

std::string format_rfc5322_date(std::int64_t ms) {
    // Floor division so times before 1970 still land on the right day.
    std::int64_t secs = ms / 1000;
    if (ms % 1000 < 0) --secs;
    std::int64_t days = secs / 86400;
    std::int64_t sod = secs % 86400;
    if (sod < 0) {
        sod += 86400;
        --days;
    }
    // 1970-01-01 was a Thursday (index 4 with Sunday = 0).
    static constexpr std::array<const char*, 7> wday = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr std::array<const char*, 12> mon = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const std::int64_t wd = ((days % 7) + 7 + 4) % 7;
    // Civil date from a day count: shift the epoch to 0000-03-01 so leap days fall at the end
    // of a (March-based) year, then split into 400-year eras of 146097 days.
    const std::int64_t z = days + 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const std::int64_t doe = z - era * 146097;                                   // [0, 146096]
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);           // [0, 365]
    const std::int64_t mp = (5 * doy + 2) / 153;                                // March = 0
    const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
    const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
    const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);

    std::string out = wday[static_cast<std::size_t>(wd)];
    out += ", ";
    out += std::to_string(day);
    out += ' ';
    out += mon[static_cast<std::size_t>(month - 1)];
    out += ' ';
    out += std::to_string(year);
    out += ' ';
    out += two_digits(static_cast<int>(sod / 3600));
    out += ':';
    out += two_digits(static_cast<int>((sod / 60) % 60));
    out += ':';
    out += two_digits(static_cast<int>(sod % 60));
    out += " +0000";
    return out;
}

std::string sanitize_header_text(std::string_view text) {
    std::string out;
    bool pending_space = false;
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f || c == ' ') {
            pending_space = !out.empty();
            continue;
        }
        if (pending_space) out += ' ';
        pending_space = false;
        out += c;
    }
    return out;
}

std::string fold_header_field(std::string_view name, std::string_view value, std::size_t soft_limit) {
    constexpr std::size_t hard_limit = 998;  // RFC 5322 §2.1.1, without CRLF
    if (soft_limit < 20) soft_limit = 20;
    if (soft_limit > hard_limit) soft_limit = hard_limit;
    std::string out(name);
    out += ':';
    std::size_t line_len = out.size();
    bool line_has_word = false;
    bool after_fold = false;  // the TAB that starts a continuation line is the separator
    std::size_t i = 0;
    while (i < value.size()) {
        while (i < value.size() && (value[i] == ' ' || value[i] == '\t')) ++i;
        if (i >= value.size()) break;
        std::size_t j = i;
        while (j < value.size() && value[j] != ' ' && value[j] != '\t') ++j;
        std::string_view word = value.substr(i, j - i);
        i = j;
        while (!word.empty()) {
            if (line_has_word && line_len + 1 + word.size() > soft_limit) {
                out += "\r\n\t";
                line_len = 1;
                line_has_word = false;
                after_fold = true;
            }
            // A word too long for any line is cut so no line passes 998 octets.
            const std::size_t sep = after_fold ? 0 : 1;
            const std::size_t room = hard_limit - line_len - sep;
            std::string_view piece = word.substr(0, room);
            word.remove_prefix(piece.size());
            if (!after_fold) out += ' ';
            out += piece;
            line_len += sep + piece.size();
            line_has_word = true;
            after_fold = false;
            if (!word.empty()) {
                out += "\r\n\t";
                line_len = 1;
                line_has_word = false;
                after_fold = true;
            }
        }
    }
    out += "\r\n";
    return out;
}

const char* with_protocol_name(WithProtocol p) {
    switch (p) {
        case WithProtocol::smtp: return "SMTP";
        case WithProtocol::esmtp: return "ESMTP";
        case WithProtocol::esmtps: return "ESMTPS";
        case WithProtocol::esmtpa: return "ESMTPA";
        case WithProtocol::esmtpsa: return "ESMTPSA";
    }
    return "SMTP";
}

WithProtocol with_protocol_for(bool used_ehlo, bool tls, bool authenticated) {
    // RFC 3848 §1: the S and A suffixes exist only for ESMTP sessions.
    if (!used_ehlo) return WithProtocol::smtp;
    if (tls && authenticated) return WithProtocol::esmtpsa;
    if (tls) return WithProtocol::esmtps;
    if (authenticated) return WithProtocol::esmtpa;
    return WithProtocol::esmtp;
}

std::string make_received_header(const ReceivedInfo& info) {
    // RFC 5321 §4.4: Stamp = From-domain By-domain Opt-info [CFWS] ";" FWS date-time
    std::string helo = filter_chars(info.helo, is_helo_char, 255);
    if (helo.empty()) helo = "unknown";
    std::string value = "from " + helo;
    const std::string host = filter_chars(info.client_host, is_domain_char, 255);
    const std::string ip = filter_chars(info.client_ip, is_ip_char, 64);
    if (!host.empty() || !ip.empty()) {
        value += " (";
        value += host;
        if (!ip.empty()) {
            if (!host.empty()) value += ' ';
            // TCP-info is an address literal (RFC 5321 §4.1.3, §4.4): IPv6 is tagged "IPv6:".
            value += ip.find(':') != std::string::npos ? "[IPv6:" + ip + "]" : '[' + ip + ']';
        }
        value += ')';
    }
    std::string by = filter_chars(info.hostname, is_domain_char, 255);
    if (by.empty()) by = "localhost";
    value += " by " + by + " (relaylab) with ";
    value += with_protocol_name(info.with);
    const std::string tls = filter_chars(info.tls_version, is_tls_char, 64);
    if (!tls.empty()) value += " (" + tls + ")";
    const std::string id = filter_chars(info.queue_id, is_alnum, 64);
    if (!id.empty()) value += " id " + id;
    if (!info.for_recipient.empty()) value += " for <" + filter_chars(info.for_recipient, is_for_char, 512) + ">";
    value += "; " + format_rfc5322_date(info.time_ms);
    return fold_header_field("Received", value);
}

std::size_t count_received_headers(std::string_view content) {
    std::size_t count = 0;
    std::size_t pos = 0;
    while (pos < content.size()) {
        std::size_t eol = content.find('\n', pos);
        std::string_view line = content.substr(pos, eol == std::string_view::npos ? eol : eol - pos);
        pos = eol == std::string_view::npos ? content.size() : eol + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) break;  // end of the header section (RFC 5322 §2.1)
        if (line.front() == ' ' || line.front() == '\t') continue;  // folded continuation
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        std::string_view name = line.substr(0, colon);
        // obs-optional (RFC 5322 §4.5.1): whitespace before the colon.
        while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
        if (ascii_iequals(name, "Received")) ++count;
    }
    return count;
}

std::optional<Reply> check_hop_count(std::string_view content, std::size_t limit) {
    // RFC 5321 §6.3: counting Received: fields detects loops; the RFC asks for a large
    // threshold (it suggests at least 100), Postfix's hopcount_limit default is 50.
    if (count_received_headers(content) > limit)
        return make_reply(554, "5.4.6", "Too many hops");  // RFC 3463 X.4.6 routing loop detected
    return std::nullopt;
}

}  // namespace relaylab
