#include "engine/relay_policy.hpp"
#include "engine/ascii.hpp"

#include <algorithm>

namespace relaylab {

namespace {

std::string_view strip_dot(std::string_view s) {
    if (!s.empty() && s.back() == '.') s.remove_suffix(1);
    return s;
}

bool domain_equal(std::string_view a, std::string_view b) { return ascii_iequals(strip_dot(a), strip_dot(b)); }

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::optional<std::array<std::uint8_t, 4>> parse_ipv4(std::string_view s) {
    std::array<std::uint8_t, 4> out{};
    for (int part = 0; part < 4; ++part) {
        if (part > 0) {
            if (s.empty() || s.front() != '.') return std::nullopt;
            s.remove_prefix(1);
        }
        int value = 0;
        std::size_t digits = 0;
        while (!s.empty() && s.front() >= '0' && s.front() <= '9' && digits < 3) {
            value = value * 10 + (s.front() - '0');
            s.remove_prefix(1);
            ++digits;
        }
        if (digits == 0 || value > 255) return std::nullopt;
        out[static_cast<std::size_t>(part)] = static_cast<std::uint8_t>(value);
    }
    if (!s.empty()) return std::nullopt;
    return out;
}

// RFC 4291 §2.2 text forms: 8 groups of 1-4 hex digits, one "::" for a run of zero groups,
// optionally ending in a dotted IPv4 address (two groups' worth).
std::optional<std::array<std::uint8_t, 16>> parse_ipv6(std::string_view s) {
    std::array<std::uint16_t, 8> groups{};
    int count = 0;
    int gap_at = -1;  // group index where "::" stands
    if (s.starts_with("::")) {
        gap_at = 0;
        s.remove_prefix(2);
    } else if (s.starts_with(":")) {
        return std::nullopt;
    }
    while (!s.empty()) {
        // An embedded IPv4 tail?
        const std::size_t next_colon = s.find(':');
        if (next_colon == std::string_view::npos && s.find('.') != std::string_view::npos) {
            auto v4 = parse_ipv4(s);
            if (!v4 || count > 6) return std::nullopt;
            groups[static_cast<std::size_t>(count++)] = static_cast<std::uint16_t>(((*v4)[0] << 8) | (*v4)[1]);
            groups[static_cast<std::size_t>(count++)] = static_cast<std::uint16_t>(((*v4)[2] << 8) | (*v4)[3]);
            s = {};
            break;
        }
        unsigned value = 0;
        std::size_t digits = 0;
        while (!s.empty() && hex_value(s.front()) >= 0) {
            if (++digits > 4) return std::nullopt;
            value = value * 16 + static_cast<unsigned>(hex_value(s.front()));
            s.remove_prefix(1);
        }
        if (digits == 0 || count >= 8) return std::nullopt;
        groups[static_cast<std::size_t>(count++)] = static_cast<std::uint16_t>(value);
        if (s.empty()) break;
        if (s.front() != ':') return std::nullopt;
        s.remove_prefix(1);
        if (!s.empty() && s.front() == ':') {
            if (gap_at >= 0) return std::nullopt;  // only one "::"
            gap_at = count;
            s.remove_prefix(1);
        } else if (s.empty()) {
            return std::nullopt;  // trailing single ':'
        }
    }
    if (gap_at < 0 && count != 8) return std::nullopt;
    if (gap_at >= 0 && count > 7) return std::nullopt;
    std::array<std::uint16_t, 8> full{};
    if (gap_at < 0) {
        full = groups;
    } else {
        const int tail = count - gap_at;
        for (int i = 0; i < gap_at; ++i) full[static_cast<std::size_t>(i)] = groups[static_cast<std::size_t>(i)];
        for (int i = 0; i < tail; ++i)
            full[static_cast<std::size_t>(8 - tail + i)] = groups[static_cast<std::size_t>(gap_at + i)];
    }
    std::array<std::uint8_t, 16> out{};
    for (std::size_t i = 0; i < 8; ++i) {
        out[2 * i] = static_cast<std::uint8_t>(full[i] >> 8);
        out[2 * i + 1] = static_cast<std::uint8_t>(full[i] & 0xff);
    }
    return out;
}

// The Local-part as a plain string: a Quoted-string loses its quotes and backslashes
// (RFC 5321 §4.1.2 quoted-pairSMTP); a Dot-string is returned as is.
std::string local_part_plain(const Mailbox& m) {
    std::string_view lp = m.local_part;
    if (lp.size() < 2 || lp.front() != '"' || lp.back() != '"') return std::string(lp);
    lp = lp.substr(1, lp.size() - 2);
    std::string out;
    for (std::size_t i = 0; i < lp.size(); ++i) {
        if (lp[i] == '\\' && i + 1 < lp.size()) ++i;
        out += lp[i];
    }
    return out;
}

bool is_postmaster_local(const Mailbox& m) { return ascii_iequals(local_part_plain(m), "postmaster"); }

struct AddressKey {
    std::string local;   // lower case
    std::string domain;  // lower case, no trailing dot
};

std::optional<AddressKey> split_address(std::string_view address) {
    const std::size_t at = address.rfind('@');
    if (at == std::string_view::npos || at == 0) return std::nullopt;
    return AddressKey{ascii_lowercase(address.substr(0, at)), ascii_lowercase(strip_dot(address.substr(at + 1)))};
}

AddressKey key_of(const Mailbox& m) { return AddressKey{ascii_lowercase(local_part_plain(m)), ascii_lowercase(strip_dot(m.domain))}; }

bool is_known_user(const RelayPolicy& policy, const Mailbox& m) {
    const AddressKey want = key_of(m);
    return std::any_of(policy.local_users.begin(), policy.local_users.end(), [&](const std::string& user) {
        auto k = split_address(user);
        return k && k->local == want.local && k->domain == want.domain;
    });
}

// Does the authenticated identity own `m` as a sender address?
bool user_owns(const RelayPolicy& policy, std::string_view auth_user, const Mailbox& m) {
    const AddressKey sender = key_of(m);
    if (auto user = split_address(auth_user)) {
        if (sender.domain != user->domain) return false;
        return policy.send_as_any_in_domain || sender.local == user->local;
    }
    // A bare user name owns that name at every local domain.
    if (!is_local_domain(m.domain, policy.local_domains)) return false;
    return policy.send_as_any_in_domain || sender.local == ascii_lowercase(auth_user);
}

}  // namespace

// ---- IP addresses ----

std::optional<IpAddress> parse_ip_address(std::string_view text) {
    if (text.size() >= 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
    if (ascii_iequals(text.substr(0, std::min<std::size_t>(5, text.size())), "ipv6:")) text.remove_prefix(5);
    if (const std::size_t zone = text.find('%'); zone != std::string_view::npos) text = text.substr(0, zone);
    IpAddress ip;
    if (text.find(':') == std::string_view::npos) {
        auto v4 = parse_ipv4(text);
        if (!v4) return std::nullopt;
        std::copy(v4->begin(), v4->end(), ip.bytes.begin());
        return ip;
    }
    auto v6 = parse_ipv6(text);
    if (!v6) return std::nullopt;
    // ::ffff:a.b.c.d (RFC 4291 §2.5.5.2) is an IPv4 client seen through an IPv6 socket.
    const bool mapped = std::all_of(v6->begin(), v6->begin() + 10, [](std::uint8_t b) { return b == 0; }) &&
                        (*v6)[10] == 0xff && (*v6)[11] == 0xff;
    if (mapped) {
        std::copy(v6->begin() + 12, v6->end(), ip.bytes.begin());
        return ip;
    }
    ip.v6 = true;
    ip.bytes = *v6;
    return ip;
}

std::optional<Cidr> parse_cidr(std::string_view text) {
    const std::size_t slash = text.find('/');
    auto ip = parse_ip_address(text.substr(0, slash));
    if (!ip) return std::nullopt;
    const int max_len = ip->v6 ? 128 : 32;
    int len = max_len;
    if (slash != std::string_view::npos) {
        std::string_view digits = text.substr(slash + 1);
        if (digits.empty() || digits.size() > 3) return std::nullopt;
        len = 0;
        for (char c : digits) {
            if (c < '0' || c > '9') return std::nullopt;
            len = len * 10 + (c - '0');
        }
        if (len > max_len) return std::nullopt;
    }
    return Cidr{*ip, len};
}

bool cidr_contains(const Cidr& block, const IpAddress& ip) {
    if (block.network.v6 != ip.v6) return false;
    int bits = block.prefix_len;
    for (std::size_t i = 0; bits > 0; ++i, bits -= 8) {
        const std::uint8_t mask = bits >= 8 ? 0xff : static_cast<std::uint8_t>(0xff << (8 - bits));
        if ((block.network.bytes[i] & mask) != (ip.bytes[i] & mask)) return false;
    }
    return true;
}

bool ip_in_networks(std::string_view ip_text, std::span<const std::string> cidrs) {
    auto ip = parse_ip_address(ip_text);
    if (!ip) return false;
    return std::any_of(cidrs.begin(), cidrs.end(), [&](const std::string& c) {
        auto block = parse_cidr(c);
        return block && cidr_contains(*block, *ip);
    });
}

// ---- Policy ----

const char* relay_trick_name(RelayTrick trick) {
    switch (trick) {
        case RelayTrick::none: return "none";
        case RelayTrick::source_route: return "source route";
        case RelayTrick::address_literal: return "address literal";
        case RelayTrick::percent_hack: return "percent hack";
        case RelayTrick::bang_path: return "bang path";
        case RelayTrick::embedded_at: return "embedded @";
        case RelayTrick::no_domain: return "no domain";
    }
    return "?";
}

RelayTrick detect_relay_trick(const Path& path) {
    const Mailbox& m = path.mailbox;
    // RFC 5321 §3.6.1 / Appendix C: source routes are to be ignored, and honouring them is how
    // relays were abused; we never treat a routed path as ours.
    if (!path.source_route.empty()) return RelayTrick::source_route;
    if (m.domain_literal || (!m.domain.empty() && m.domain.front() == '[')) return RelayTrick::address_literal;
    const std::string local = local_part_plain(m);
    // A local part with '@' (quoted, or as a lenient parser keeps user@elsewhere@ours) names
    // another mailbox inside ours.
    if (local.find('@') != std::string::npos) return RelayTrick::embedded_at;
    if (local.find('%') != std::string::npos) return RelayTrick::percent_hack;
    if (local.find('!') != std::string::npos) return RelayTrick::bang_path;
    if (m.domain.empty() && !is_postmaster_local(m)) return RelayTrick::no_domain;
    return RelayTrick::none;
}

bool is_local_domain(std::string_view domain, std::span<const std::string> local_domains) {
    if (domain.empty() || domain.front() == '[') return false;
    return std::any_of(local_domains.begin(), local_domains.end(),
                       [&](const std::string& d) { return domain_equal(d, domain); });
}

RecipientClass classify_recipient(const Path& rcpt, std::span<const std::string> local_domains) {
    if (rcpt.null) return RecipientClass::remote;  // "<>" is no Forward-path
    if (detect_relay_trick(rcpt) != RelayTrick::none) return RecipientClass::remote;
    const Mailbox& m = rcpt.mailbox;
    // RFC 5321 §4.5.1: <Postmaster> (no domain) and postmaster@ each of our domains must work.
    if (m.domain.empty()) return is_postmaster_local(m) ? RecipientClass::postmaster : RecipientClass::remote;
    if (!is_local_domain(m.domain, local_domains)) return RecipientClass::remote;
    return is_postmaster_local(m) ? RecipientClass::postmaster : RecipientClass::local;
}

bool accepts_any_credentials(const RelayPolicy& policy) { return policy.capture_all && policy.accept_any_auth; }

bool is_loopback_ip(std::string_view ip_text) {
    auto ip = parse_ip_address(ip_text);
    if (!ip) return false;
    if (!ip->v6) return ip->bytes[0] == 127;
    for (std::size_t i = 0; i < 15; ++i)
        if (ip->bytes[i] != 0) return false;
    return ip->bytes[15] == 1;
}

std::optional<Reply> check_recipient(const RelayPolicy& policy, const RelayClient& client, const Path& rcpt) {
    // Sandbox: nothing leaves, so there is no relaying to refuse for the machine's own
    // applications; every recipient is captured (or lands in its Maildir).
    if (policy.capture_all && !rcpt.null && (is_loopback_ip(client.ip) || ip_in_networks(client.ip, policy.trusted_networks)))
        return std::nullopt;
    switch (classify_recipient(rcpt, policy.local_domains)) {
        case RecipientClass::postmaster:
            return std::nullopt;  // RFC 5321 §4.5.1: postmaster is always accepted
        case RecipientClass::local:
            if (is_known_user(policy, rcpt.mailbox)) return std::nullopt;
            // RFC 5321 §3.3 (RCPT may be refused) / RFC 3463 X.1.1: refuse during the dialogue; accepting and
            // bouncing later would send backscatter to forged senders.
            return make_reply(550, "5.1.1", "No such user here");
        case RecipientClass::remote:
            break;
    }
    if (client.auth_user) return std::nullopt;  // RFC 6409 §4.3: authorised submission
    if (ip_in_networks(client.ip, policy.trusted_networks)) return std::nullopt;
    // RFC 5321 §3.6.2, §7.1: no relaying for strangers (RFC 3463 X.7.1 delivery not authorized).
    return make_reply(550, "5.7.1", "Relaying denied");
}

std::optional<Reply> check_sender(const RelayPolicy& policy, const RelayClient& client, const Path& sender) {
    const bool submission = client.role != Role::mx;
    if (!client.auth_user) {
        // RFC 4954 §6 / RFC 6409 §5.3: the submission ports require authentication.
        if (submission) return make_reply(530, "5.7.0", "Authentication required");
        return std::nullopt;  // RFC 5321 §4.5.5: the null sender must be accepted on port 25
    }
    if (sender.null) {
        if (!submission) return std::nullopt;
        return make_reply(553, "5.7.1", "Sender address not owned by user");  // RFC 6409 §6.1
    }
    if (accepts_any_credentials(policy)) return std::nullopt;  // the login names nobody
    if (detect_relay_trick(sender) == RelayTrick::none && user_owns(policy, *client.auth_user, sender.mailbox))
        return std::nullopt;
    // RFC 6409 §6.1 (enforce submission rights), RFC 3463 X.7.1.
    return make_reply(553, "5.7.1", "Sender address not owned by user");
}

}  // namespace relaylab
