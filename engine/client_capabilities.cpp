#include "engine/client_capabilities.hpp"
#include "engine/ascii.hpp"

namespace relaylab {

namespace {

std::vector<std::string_view> split_words(std::string_view line) {
    std::vector<std::string_view> words;
    std::size_t pos = 0;
    while (pos < line.size()) {
        while (pos < line.size() && line[pos] == ' ') ++pos;
        std::size_t end = pos;
        while (end < line.size() && line[end] != ' ') ++end;
        if (end > pos) words.push_back(line.substr(pos, end - pos));
        pos = end;
    }
    return words;
}

// RFC 1870 §4: "SIZE" [SP 1*20DIGIT]; a value that does not parse counts as no limit.
std::uint64_t parse_size_param(std::string_view v) {
    if (v.empty() || v.size() > 20) return 0;
    std::uint64_t n = 0;
    for (char c : v) {
        if (c < '0' || c > '9') return 0;
        const std::uint64_t d = static_cast<std::uint64_t>(c - '0');
        if (n > (UINT64_MAX - d) / 10) return 0;
        n = n * 10 + d;
    }
    return n;
}

void add_auth(ServerCapabilities& caps, std::string_view mech) {
    std::string m = ascii_uppercase(mech);
    if (m.empty() || caps.offers_auth(m)) return;
    caps.auth.push_back(std::move(m));
}

}  // namespace

bool ServerCapabilities::offers_auth(std::string_view mechanism) const {
    const std::string m = ascii_uppercase(mechanism);
    for (const auto& a : auth)
        if (a == m) return true;
    return false;
}

ServerCapabilities parse_ehlo_reply(const Reply& reply) {
    ServerCapabilities caps;
    caps.esmtp = true;
    if (reply.lines.empty()) return caps;
    const auto first = split_words(reply.lines.front());
    if (!first.empty()) caps.domain = std::string(first.front());
    for (std::size_t i = 1; i < reply.lines.size(); ++i) {
        const auto words = split_words(reply.lines[i]);
        if (words.empty()) continue;
        std::string keyword = ascii_uppercase(words[0]);
        std::vector<std::string_view> params(words.begin() + 1, words.end());
        // Obsolete "AUTH=PLAIN LOGIN" (pre-RFC 4954 servers).
        if (keyword.rfind("AUTH=", 0) == 0) {
            params.insert(params.begin(), std::string_view(words[0]).substr(5));
            keyword = "AUTH";
        }
        if (keyword == "PIPELINING") caps.pipelining = true;
        else if (keyword == "SIZE") {
            caps.size = true;
            caps.size_limit = params.empty() ? 0 : parse_size_param(params[0]);
        } else if (keyword == "8BITMIME") caps.eight_bit_mime = true;
        else if (keyword == "STARTTLS") caps.starttls = true;
        else if (keyword == "AUTH") {
            for (auto p : params) add_auth(caps, p);
        } else if (keyword == "SMTPUTF8") caps.smtputf8 = true;
        else if (keyword == "DSN") caps.dsn = true;
        else if (keyword == "CHUNKING") caps.chunking = true;
        else if (keyword == "ENHANCEDSTATUSCODES") caps.enhanced_status_codes = true;
    }
    return caps;
}

}  // namespace relaylab
