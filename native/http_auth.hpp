#pragma once
// Who may use the HTTP listener (the page, the REST API, /metrics, WebSockets). Safe by
// default: it listens on 127.0.0.1, and on any other address the configuration must set
// http.token (config.cpp refuses to start otherwise). With a token set, every request but
// /healthz must carry it, in one of these forms:
//   Authorization: Bearer <token>                 (scripts, API clients)
//   Authorization: Basic base64(<any user>:<token>) (browsers' login prompt, curl -u)
//   Cookie: relaylab_session=<value>               (browsers, WebSockets)
//   ?token=<token> in the URL                      (a link; the reply sets the cookie)
// Browsers cannot put an Authorization header on a WebSocket, so a page opened with the
// token (prompt or link) keeps an HttpOnly, SameSite=Strict cookie that the upgrade request
// carries. The cookie holds a keyed digest of the token, not the token itself.
// No sockets here: pure functions of the configured token and the request's fields.
#include <string>
#include <string_view>

namespace relaylab::native {

// 16..256 printable ASCII characters, no spaces (so it fits a header, cookie and URL).
bool http_token_acceptable(std::string_view token);

enum class HttpAccess {
    open,              // no token configured (loopback listener): everyone may
    granted,           // a valid Authorization header or cookie
    granted_by_query,  // a valid ?token=: grant, and set the session cookie in the reply
    denied,            // 401, with the challenge below
};

// THE check, called for every HTTP request, WebSocket upgrades included, before routing.
// token: the configured http.token ("" = open). path: the target without the query
// ("/healthz" is always open, for health checks). authorization, cookie: the raw header
// values ("" when absent). query: the target's part after '?', without the '?'.
HttpAccess http_access(std::string_view token, std::string_view path, std::string_view authorization,
                       std::string_view cookie, std::string_view query);
inline bool http_authorized(std::string_view token, std::string_view path, std::string_view authorization,
                            std::string_view cookie, std::string_view query) {
    return http_access(token, path, authorization, cookie, query) != HttpAccess::denied;
}

// WWW-Authenticate for a 401 (RFC 7617 §2): a browser then asks for a user and password;
// any user name with the token as password is accepted.
inline constexpr const char* k_http_auth_challenge = "Basic realm=\"relaylab\", charset=\"UTF-8\"";

// The Set-Cookie value after a ?token= grant (RFC 6265 §4.1): HttpOnly, SameSite=Strict, Path=/.
std::string http_session_cookie(std::string_view token);

}  // namespace relaylab::native
