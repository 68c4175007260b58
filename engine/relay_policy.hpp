#pragma once
// Who may send mail through us, and to whom (RFC 5321 §3.6, §7.1; RFC 6409 for submission).
// No open relay: mail for a domain that is not ours is accepted only from an authenticated
// user or a trusted network. Pure functions of the configuration and the client's context.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/address.hpp"
#include "engine/reply.hpp"
#include "engine/role.hpp"

namespace relaylab {

// ---- IP addresses and CIDR blocks (for trusted networks) ----

struct IpAddress {
    bool v6 = false;
    std::array<std::uint8_t, 16> bytes{};  // IPv4 uses the first 4
    bool operator==(const IpAddress&) const = default;
};

struct Cidr {
    IpAddress network;
    int prefix_len = 0;  // 0..32 (IPv4) or 0..128 (IPv6)
};

// "192.0.2.7", "2001:db8::1", "::ffff:192.0.2.7", "[2001:db8::1]", "fe80::1%eth0" (the zone is
// ignored). An IPv4-mapped IPv6 address is returned as IPv4 so IPv4 blocks match it.
std::optional<IpAddress> parse_ip_address(std::string_view text);
// "10.0.0.0/8", "2001:db8::/32", or a bare address (a /32 or /128).
std::optional<Cidr> parse_cidr(std::string_view text);
bool cidr_contains(const Cidr& block, const IpAddress& ip);
// True when `ip` parses and lies in one of the (parseable) blocks; malformed blocks never match.
bool ip_in_networks(std::string_view ip, std::span<const std::string> cidrs);

// ---- Relay policy ----


struct RelayPolicy {
    std::vector<std::string> local_domains;     // mail for these is delivered here
    std::vector<std::string> local_users;       // known mailboxes, "user@domain"
    std::vector<std::string> trusted_networks;  // CIDR blocks allowed to relay without AUTH
    // An authenticated user may use any sender address of its own domain (not only its own).
    bool send_as_any_in_domain = false;
    // Sandbox (a fake SMTP server for development: nothing leaves, everything is captured):
    // from loopback and trusted networks every recipient is accepted, unknown users of our
    // domains and other domains alike, so an application pointed at it just works.
    bool capture_all = false;
    // Any AUTH credentials are accepted (Mailpit's --smtp-auth-accept-any; only with
    // capture_all). AUTH is still required where it is required; since the login then names
    // nobody in particular, the sender is not checked against it.
    bool accept_any_auth = false;
};

struct RelayClient {
    Role role = Role::mx;
    // The authenticated identity (RFC 4954): "user@domain", or a bare "user" who then owns
    // "user@" every local domain. Empty optional: not authenticated.
    std::optional<std::string> auth_user;
    std::string ip;  // the client's address as text
};

// The tricks a Forward-path can use to make a relay forward mail it should not
// (RFC 5321 §3.6.1, Appendix C; RFC 2505 §2.6.x). A path with any of them is never local.
enum class RelayTrick {
    none,
    source_route,     // <@ours:user@elsewhere>
    address_literal,  // user@[192.0.2.1], ours or not
    percent_hack,     // user%elsewhere@ours
    bang_path,        // elsewhere!user@ours (UUCP)
    embedded_at,      // user@elsewhere@ours, "user@elsewhere"@ours
    no_domain,        // <"user@elsewhere">, <elsewhere!user> (other than <Postmaster>)
};
const char* relay_trick_name(RelayTrick trick);
RelayTrick detect_relay_trick(const Path& path);

enum class RecipientClass { local, postmaster, remote };
RecipientClass classify_recipient(const Path& rcpt, std::span<const std::string> local_domains);

// Domain comparison: ASCII case-insensitive, a trailing dot ignored; an address literal is
// never a local domain (see RelayTrick::address_literal).
bool is_local_domain(std::string_view domain, std::span<const std::string> local_domains);

// Every AUTH succeeds, whatever the credentials (capture_all and accept_any_auth).
bool accepts_any_credentials(const RelayPolicy& policy);

// 127.0.0.0/8 and ::1 (RFC 1122 §3.2.1.3, RFC 4291 §2.5.3), also as ::ffff:127.x.y.z.
bool is_loopback_ip(std::string_view ip);

// RCPT TO decision; nullopt = accept.
//  capture_all, client on loopback or a trusted network → accept anything (sandbox)
//  postmaster (<Postmaster> or postmaster@local)       → accept (RFC 5321 §4.5.1)
//  local domain, known user                             → accept
//  local domain, unknown user                           → 550 5.1.1 (RFC 5321 §3.3; refuse now: no backscatter)
//  anything else (incl. every RelayTrick): authenticated or trusted network → accept,
//  else 550 5.7.1 "Relaying denied" (RFC 5321 §3.6.2, §7.1)
std::optional<Reply> check_recipient(const RelayPolicy& policy, const RelayClient& client, const Path& rcpt);

// MAIL FROM decision; nullopt = accept.
//  submission / submissions without AUTH → 530 5.7.0 (RFC 4954 §6; RFC 6409 §5.3)
//  authenticated: the sender must be an address the user owns (or of its domain when
//  send_as_any_in_domain), else 553 5.7.1 "Sender address not owned by user"; the null
//  sender is not the user's → 553 5.7.1 on submission
//  mx role, not authenticated: any sender, including <> (RFC 5321 §4.5.5, bounces)
//  accept_any_auth (sandbox), authenticated: any sender
std::optional<Reply> check_sender(const RelayPolicy& policy, const RelayClient& client, const Path& sender);

}  // namespace relaylab
