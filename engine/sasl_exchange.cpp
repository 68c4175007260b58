// The server's side of SMTP AUTH, PLAIN and LOGIN (see sasl_exchange.hpp).
#include "engine/sasl_exchange.hpp"

#include "engine/base64.hpp"
#include "engine/sasl.hpp"

namespace relaylab {
namespace {

constexpr std::string_view k_username_challenge = "VXNlcm5hbWU6";  // base64 "Username:"
constexpr std::string_view k_password_challenge = "UGFzc3dvcmQ6";  // base64 "Password:"

}  // namespace

SaslStep SaslExchange::fail(int code, std::string_view enhanced, std::string_view text) {
    cancel();
    SaslStep s;
    s.kind = SaslStep::Kind::error;
    s.code = code;
    s.enhanced = enhanced;
    s.text = text;
    return s;
}

SaslStep SaslExchange::ask(Step next, std::string_view challenge) {
    step_ = next;
    SaslStep s;
    s.kind = SaslStep::Kind::challenge;
    s.challenge = challenge;
    return s;
}

// message = [authzid] NUL authcid NUL passwd, base64-decoded (RFC 4616 §2).
SaslStep SaslExchange::plain(std::string_view decoded) {
    std::optional<PlainCredentials> c = parse_sasl_plain(decoded);
    if (!c) return fail(501, "5.5.2", "Malformed PLAIN response");  // RFC 4616 §2
    // RFC 4616 §2: an authzid other than the login asks to act as someone else; the server
    // must refuse an identity the user may not act as, and relaylab has no proxy rights at
    // all. "535 5.7.8" (RFC 4954 §6, RFC 3463 X.7.8): the exchange failed as a whole, so the
    // reply says nothing about whether the password was right, and no password is checked.
    if (!c->authzid.empty() && c->authzid != c->authcid)
        return fail(535, "5.7.8", "Authorization identity not permitted for this user");
    cancel();
    SaslStep s;
    s.kind = SaslStep::Kind::done;
    s.mechanism = "PLAIN";
    s.authzid = std::move(c->authzid);
    s.username = std::move(c->authcid);
    s.password = std::move(c->password);
    return s;
}

SaslStep SaslExchange::start(std::string_view mechanism, const std::optional<std::string>& initial_response) {
    cancel();
    if (mechanism == "PLAIN") {
        if (!initial_response) return ask(Step::plain, "");  // RFC 4954 §4: empty challenge
        std::optional<std::string> decoded = base64_decode(*initial_response);
        if (!decoded) return fail(501, "5.5.2", "Cannot decode response");  // RFC 4954 §4
        return plain(*decoded);
    }
    if (mechanism == "LOGIN") {
        if (!initial_response) return ask(Step::login_user, k_username_challenge);
        std::optional<std::string> user = base64_decode(*initial_response);
        if (!user) return fail(501, "5.5.2", "Cannot decode response");  // RFC 4954 §4
        user_ = std::move(*user);
        return ask(Step::login_password, k_password_challenge);
    }
    return fail(504, "5.5.4", "Unrecognized authentication type");  // RFC 4954 §4
}

SaslStep SaslExchange::respond(std::string_view line) {
    if (line == "*") return fail(501, "5.0.0", "Authentication cancelled");  // RFC 4954 §4
    std::optional<std::string> decoded = base64_decode(line);
    if (!decoded) return fail(501, "5.5.2", "Cannot decode response");  // RFC 4954 §4
    switch (step_) {
        case Step::plain: return plain(*decoded);
        case Step::login_user:
            user_ = std::move(*decoded);
            return ask(Step::login_password, k_password_challenge);
        case Step::login_password: {
            SaslStep s;
            s.kind = SaslStep::Kind::done;
            s.mechanism = "LOGIN";
            s.username = std::move(user_);
            s.password = std::move(*decoded);
            cancel();
            return s;
        }
        case Step::none: break;
    }
    return fail(503, "5.5.1", "No AUTH exchange in progress");
}

void SaslExchange::cancel() {
    step_ = Step::none;
    user_.clear();
}

}  // namespace relaylab
