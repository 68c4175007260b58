// The relay's HTTP-side pure functions: /api/v1/chaos in Mailpit's shape (native/chaos_api.hpp),
// the HTTP credentials check (native/http_auth.hpp), and the config keys of the sandbox and
// of safe-by-default HTTP.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "engine/base64.hpp"
#include "native/chaos_api.hpp"
#include "native/config.hpp"
#include "native/http_auth.hpp"

using namespace relaylab;
using namespace relaylab::native;
using nlohmann::json;

TEST_CASE("chaos api: GET shows Mailpit's three triggers with their defaults, off") {
    ChaosSettings s;
    bool changed = true;
    ApiReply r = chaos_api("GET", "", s, changed);
    CHECK_FALSE(changed);
    CHECK(r.status == 200);
    CHECK(r.content_type == "application/json");
    json j = json::parse(r.body);
    CHECK(j["Sender"] == json{{"ErrorCode", 451}, {"Probability", 0}});
    CHECK(j["Recipient"] == json{{"ErrorCode", 451}, {"Probability", 0}});
    CHECK(j["Authentication"] == json{{"ErrorCode", 535}, {"Probability", 0}});
    CHECK(j["Relaylab"]["Greylist"]["Enabled"] == false);
    CHECK(j["Relaylab"]["DeferEvery"] == 0);
}

TEST_CASE("chaos api: PUT replaces; what it leaves out is reset") {
    ChaosSettings s;
    bool changed = false;
    ApiReply r = chaos_api("PUT", R"({"Sender": {"ErrorCode": 452, "Probability": 100},
        "Relaylab": {"Greylist": {"Enabled": true, "DelayMs": 1500}, "DeferEvery": 2, "SlowRepliesMs": 10,
                     "DropAfterData": {"Probability": 5}}})",
                           s, changed);
    CHECK(r.status == 200);
    CHECK(changed);
    CHECK(s.sender == ChaosTrigger{452, 100});
    CHECK(s.recipient == ChaosTrigger{451, 0});
    CHECK(s.greylist);
    CHECK(s.greylist_delay_ms == 1500);
    CHECK(s.defer_every == 2);
    CHECK(s.slow_reply_ms == 10);
    CHECK(s.drop_after_data == 5);
    CHECK(json::parse(r.body)["Sender"]["ErrorCode"] == 452);
    // Mailpit: ErrorCode 0 or absent is the trigger's default code.
    r = chaos_api("PUT", R"({"Authentication": {"Probability": 20}})", s, changed);
    CHECK(r.status == 200);
    CHECK(s.authentication == ChaosTrigger{535, 20});
    CHECK(s.sender == ChaosTrigger{451, 0});
    CHECK_FALSE(s.greylist);
    CHECK(s.defer_every == 0);
    r = chaos_api("PUT", "{}", s, changed);
    CHECK_FALSE(chaos_active(s));
    // The wrapped form some callers send is read the same.
    r = chaos_api("PUT", R"({"Triggers": {"Recipient": {"ErrorCode": 550, "Probability": 100}}})", s, changed);
    CHECK(r.status == 200);
    CHECK(s.recipient == ChaosTrigger{550, 100});
}

TEST_CASE("chaos api: a bad body is 400 with the reason, and changes nothing") {
    ChaosSettings s;
    s.sender = {451, 40};
    const ChaosSettings before = s;
    bool changed = true;
    for (const char* body : {"not json", "[1]", R"({"Sender": {"ErrorCode": 200, "Probability": 5}})",
                             R"({"Sender": {"ErrorCode": 451, "Probability": 101}})",
                             R"({"Sender": {"ErrorCode": "451"}})", R"({"Sender": 5})",
                             R"({"Relaylab": {"DeferEvry": 2}})", R"({"Relaylab": {"Greylist": {"Enabled": 1}}})",
                             R"({"Relaylab": {"SlowRepliesMs": -1}})"}) {
        CAPTURE(body);
        ApiReply r = chaos_api("PUT", body, s, changed);
        CHECK(r.status == 400);
        CHECK_FALSE(r.body.empty());
        CHECK_FALSE(changed);
        CHECK(s == before);
    }
    ApiReply r = chaos_api("PUT", R"({"Sender": {"ErrorCode": 600, "Probability": 5}})", s, changed);
    CHECK(r.body.find("ErrorCode") != std::string::npos);
    CHECK(chaos_api("DELETE", "", s, changed).status == 405);
}

TEST_CASE("http auth: open without a token; /healthz always open") {
    CHECK(http_access("", "/", "", "", "") == HttpAccess::open);
    CHECK(http_access("", "/api/v1/chaos", "", "", "") == HttpAccess::open);
    const std::string token = "0123456789abcdef-secret";
    CHECK(http_access(token, "/healthz", "", "", "") == HttpAccess::open);
    CHECK(http_access(token, "/metrics", "", "", "") == HttpAccess::denied);
    CHECK(http_access(token, "/", "", "", "") == HttpAccess::denied);
}

TEST_CASE("http auth: Bearer, Basic (any user), cookie and ?token= are accepted; wrong ones are not") {
    const std::string token = "0123456789abcdef-secret";
    CHECK(http_access(token, "/", "Bearer " + token, "", "") == HttpAccess::granted);
    CHECK(http_access(token, "/", "bearer  " + token + " ", "", "") == HttpAccess::granted);
    CHECK(http_access(token, "/", "Bearer " + token + "x", "", "") == HttpAccess::denied);
    CHECK(http_access(token, "/", "Bearer", "", "") == HttpAccess::denied);
    CHECK(http_access(token, "/", "Basic " + base64_encode("anyone:" + token), "", "") == HttpAccess::granted);
    CHECK(http_access(token, "/", "Basic " + base64_encode(token + ":wrong"), "", "") == HttpAccess::denied);
    CHECK(http_access(token, "/", "Basic !!!", "", "") == HttpAccess::denied);
    // ?token= grants and the reply sets the cookie; the cookie then grants on its own.
    CHECK(http_access(token, "/api/v1/live", "", "", "a=1&token=" + token) == HttpAccess::granted_by_query);
    CHECK(http_access(token, "/", "", "", "token=0123456789abcdef%2Dsecret") == HttpAccess::granted_by_query);
    CHECK(http_access(token, "/", "", "", "token=nope") == HttpAccess::denied);
    const std::string set_cookie = http_session_cookie(token);
    CHECK(set_cookie.find("HttpOnly") != std::string::npos);
    CHECK(set_cookie.find("SameSite=Strict") != std::string::npos);
    CHECK(set_cookie.find(token) == std::string::npos);  // the cookie is not the token
    const std::string pair = set_cookie.substr(0, set_cookie.find(';'));
    CHECK(http_access(token, "/api/v1/live", "", "x=y; " + pair + "; z=w", "") == HttpAccess::granted);
    CHECK(http_access(token, "/", "", "relaylab_session=" + std::string(64, '0'), "") == HttpAccess::denied);
    // A cookie made for another token does not open this one.
    const std::string other = http_session_cookie("another-token-0123456789");
    CHECK(http_access(token, "/", "", other.substr(0, other.find(';')), "") == HttpAccess::denied);
    CHECK_FALSE(http_authorized(token, "/", "", "", ""));
    CHECK(http_authorized(token, "/", "Bearer " + token, "", ""));
}

TEST_CASE("config: http on a non-loopback address needs http.token; tokens are checked") {
    ConfigError err;
    CHECK(parse_config("[listen]\nhttp = \"127.0.0.1:8025\"\n", "r.toml", err));
    CHECK(parse_config("[listen]\nhttp = \"[::1]:8025\"\n", "r.toml", err));
    CHECK_FALSE(parse_config("[listen]\nhttp = \"0.0.0.0:8025\"\n", "r.toml", err));
    CHECK(err.message.find("r.toml:2:") == 0);
    CHECK(err.message.find("http.token") != std::string::npos);
    CHECK_FALSE(parse_config("[listen]\nhttp = \"192.0.2.1:8025\"\n", "r.toml", err));
    auto c = parse_config("[listen]\nhttp = \"0.0.0.0:8025\"\n[http]\ntoken = \"0123456789abcdef\"\n", "r.toml", err);
    REQUIRE(c);
    CHECK(c->http.token == "0123456789abcdef");
    CHECK_FALSE(parse_config("[http]\ntoken = \"short\"\n", "r.toml", err));
    CHECK(err.message.find("r.toml:2: http.token") == 0);
    CHECK_FALSE(parse_config("[http]\ntoken = \"with a space inside it\"\n", "r.toml", err));
    CHECK_FALSE(parse_config("[http]\ntokn = \"0123456789abcdef\"\n", "r.toml", err));
    CHECK(err.message.find("unknown key 'http.tokn'") != std::string::npos);
}

TEST_CASE("config: [chaos] sets the switches at start; off by default") {
    ConfigError err;
    auto c = parse_config("", "r.toml", err);
    REQUIRE(c);
    CHECK_FALSE(chaos_active(c->chaos));
    c = parse_config("[chaos]\nsender_code = 452\nsender_probability = 100\ngreylist = true\n"
                     "greylist_delay_ms = 5\ndefer_every = 3\nslow_reply_ms = 7\ndrop_after_data = 9\n",
                     "r.toml", err);
    REQUIRE(c);
    CHECK(c->chaos.sender == ChaosTrigger{452, 100});
    CHECK(c->chaos.recipient == ChaosTrigger{451, 0});
    CHECK(c->chaos.authentication == ChaosTrigger{535, 0});
    CHECK(c->chaos.greylist);
    CHECK(c->chaos.greylist_delay_ms == 5);
    CHECK(c->chaos.defer_every == 3);
    CHECK(c->chaos.slow_reply_ms == 7);
    CHECK(c->chaos.drop_after_data == 9);
    CHECK_FALSE(parse_config("[chaos]\nauth_code = 250\n", "r.toml", err));
    CHECK(err.message == "r.toml:2: chaos.auth_code must be between 400 and 599");
    CHECK_FALSE(parse_config("[chaos]\nrecipient_probability = 101\n", "r.toml", err));
    CHECK_FALSE(parse_config("[chaos]\ngreylisting = true\n", "r.toml", err));
    CHECK(err.message.find("unknown key 'chaos.greylisting'") != std::string::npos);
}

TEST_CASE("config: the sandbox keys") {
    ConfigError err;
    auto c = parse_config("", "r.toml", err);
    REQUIRE(c);
    CHECK(c->sandbox.accept_any_recipient);
    CHECK_FALSE(c->sandbox.accept_any_auth);
    c = parse_config("[sandbox]\naccept_any_auth = true\naccept_any_recipient = false\n", "r.toml", err);
    REQUIRE(c);
    CHECK(c->sandbox.accept_any_auth);
    CHECK_FALSE(c->sandbox.accept_any_recipient);
    CHECK_FALSE(parse_config("[relay]\nmode = \"mx\"\n[sandbox]\naccept_any_auth = true\n", "r.toml", err));
    CHECK(err.message.find("r.toml:4: sandbox.accept_any_auth needs relay.mode") == 0);
}
