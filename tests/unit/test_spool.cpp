// The native spool (native/spool.cpp): records of the whole typed message model
// ("relaylab-spool 2"), version 1 records of the previous release, and recovery after a
// crash. RFC 5321 §6.1: a message is ours once "250" was said, so what was committed must come
// back, and what was never acknowledged (a torn or corrupt record) must never be delivered.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "engine/address.hpp"
#include "native/spool.hpp"

using namespace relaylab;
using namespace relaylab::native;

namespace {

struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/relaylab-spool-test-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
};

Path fwd(std::string_view wire) { return parse_forward_path(wire, true).value; }

QueuedMessage sample() {
    QueuedMessage q;
    q.id = "0123456789ABC";
    q.sender = parse_reverse_path("<jörg@example.net>", true).value;
    q.params.size = 1234;
    q.params.body = Body::eight_bit_mime;
    q.params.smtputf8 = true;
    q.params.ret = Ret::hdrs;
    q.params.envid = "env id+1";
    q.params.auth = "jörg@example.net";
    q.content_8bit = true;
    q.origin = MessageOrigin::client;
    q.created_ms = 1'700'000'000'123;
    QueuedRecipient a;
    a.path = fwd("<ü@dest.test>");
    DsnNotify n;
    n.success = true;
    n.failure = false;
    n.delay = false;
    a.params.notify = n;  // NOTIFY=SUCCESS given
    a.params.orcpt = "utf-8;\xc3\xbc@dest.test";
    QueuedRecipient b;
    b.path = fwd("<\"john doe\"@example.org>");  // NOTIFY not given
    QueuedRecipient c;
    c.path = fwd("<Postmaster>");
    q.recipients = {a, b, c};
    return q;
}

// Field by field (MailParams and RcptParams have no operator==).
void check_same(const QueuedMessage& a, const QueuedMessage& b) {
    CHECK(a.id == b.id);
    CHECK(a.sender == b.sender);
    CHECK(a.params.size == b.params.size);
    CHECK(a.params.body == b.params.body);
    CHECK(a.params.smtputf8 == b.params.smtputf8);
    CHECK(a.params.ret == b.params.ret);
    CHECK(a.params.envid == b.params.envid);
    CHECK(a.params.auth == b.params.auth);
    CHECK(a.content_8bit == b.content_8bit);
    CHECK(a.origin == b.origin);
    CHECK(a.created_ms == b.created_ms);
    REQUIRE(a.recipients.size() == b.recipients.size());
    for (std::size_t i = 0; i < a.recipients.size(); ++i) {
        CAPTURE(i);
        const QueuedRecipient& x = a.recipients[i];
        const QueuedRecipient& y = b.recipients[i];
        CHECK(x.path == y.path);
        CHECK(x.params.notify == y.params.notify);
        CHECK(x.params.orcpt == y.params.orcpt);
        CHECK(x.state == y.state);
        CHECK(x.attempts == y.attempts);
        CHECK(x.next_attempt_ms == y.next_attempt_ms);
        CHECK(x.last_attempt_ms == y.last_attempt_ms);
        CHECK(x.last_reply == y.last_reply);
        CHECK(x.final_reply == y.final_reply);
        CHECK(x.remote_mta == y.remote_mta);
        CHECK(x.expired == y.expired);
        CHECK(x.dsn_passed_on == y.dsn_passed_on);
        CHECK(x.failure_dsn_sent == y.failure_dsn_sent);
        CHECK(x.delay_dsn_sent == y.delay_dsn_sent);
        CHECK(x.success_dsn_sent == y.success_dsn_sent);
    }
}

std::vector<std::pair<QueuedMessage, SpoolInfo>> reopen(const std::string& dir, std::vector<std::string>& problems) {
    Spool s(dir, false);
    std::string error;
    REQUIRE(s.init(error));
    return s.recover(problems);
}

void write_segment(const std::string& dir, const std::string& name, const std::string& bytes) {
    std::filesystem::create_directories(dir + "/spool/log");
    std::ofstream(dir + "/spool/log/" + name, std::ios::binary) << bytes;
}

}  // namespace

TEST_CASE("spool v2: the whole message model and its delivery state survive a restart") {
    TempDir t;
    QueuedMessage q = sample();
    SpoolInfo info{"192.0.2.7", "jörg@example.net", 0};
    const std::string content = "Subject: caf\xc3\xa9\r\n\r\nbody\r\n";
    {
        Spool s(t.path, false);
        std::string error;
        REQUIRE(s.init(error));
        REQUIRE(s.commit(q, info, content) == 0);
        // Later state: relayed with NOTIFY passed on, one bounced after expiry, one deferred.
        q.recipients[0].state = RecipientState::relayed;
        q.recipients[0].dsn_passed_on = true;
        q.recipients[0].remote_mta = "mx.dest.test";
        q.recipients[0].final_reply = make_reply(250, "2.0.0", "ok");
        q.recipients[0].attempts = 1;
        q.recipients[1].state = RecipientState::bounced;
        q.recipients[1].expired = true;
        q.recipients[1].failure_dsn_sent = true;
        q.recipients[1].last_reply = make_reply(451, "4.4.1", "no answer");
        q.recipients[1].final_reply = q.recipients[1].last_reply;
        q.recipients[1].attempts = 6;
        q.recipients[2].state = RecipientState::deferred;
        q.recipients[2].next_attempt_ms = 1'700'000'900'000;
        q.recipients[2].last_attempt_ms = 1'700'000'600'000;
        q.recipients[2].attempts = 2;
        q.recipients[2].last_reply = make_reply(450, "4.2.0", "greylisted");
        s.save_state(q);
    }
    std::vector<std::string> problems;
    auto items = reopen(t.path, problems);
    CHECK(problems.empty());
    REQUIRE(items.size() == 1);
    check_same(items[0].first, q);
    CHECK(items[0].second.client_ip == "192.0.2.7");
    CHECK(items[0].second.auth_user == "jörg@example.net");
    CHECK(items[0].second.size == content.size());
    // NOTIFY given vs. not given is kept apart (RFC 3461 §4.1: the default is not "SUCCESS").
    CHECK(items[0].first.recipients[0].params.notify.has_value());
    CHECK_FALSE(items[0].first.recipients[1].params.notify.has_value());
    Spool s(t.path, false);
    std::string error;
    REQUIRE(s.init(error));
    (void)s.recover(problems);
    std::string loaded;
    REQUIRE(s.load_content(q.id, loaded));
    CHECK(loaded == content);
}

TEST_CASE("spool: a notice keeps its origin and null reverse-path") {
    TempDir t;
    QueuedMessage q;
    q.id = "NOTICE0000001";
    q.sender.null = true;
    q.origin = MessageOrigin::notice;
    QueuedRecipient r;
    r.path = fwd("<alice@lab.test>");
    DsnNotify never;
    never.never = true;
    never.failure = never.delay = false;
    r.params.notify = never;
    q.recipients.push_back(r);
    {
        Spool s(t.path, false);
        std::string error;
        REQUIRE(s.init(error));
        REQUIRE(s.commit(q, SpoolInfo{}, "x\r\n") == 0);
    }
    std::vector<std::string> problems;
    auto items = reopen(t.path, problems);
    REQUIRE(items.size() == 1);
    check_same(items[0].first, q);
}

TEST_CASE("spool: a version 1 segment of the previous release is recovered") {
    TempDir t;
    const std::string payload =
        "relaylab-spool 1\n"
        "id OLD0000000001\n"
        "created 1700000000000\n"
        "sender alice@lab.test\n"
        "envid abc%2Bdef\n"
        "ret 2\n"
        "client 127.0.0.1\n"
        "auth %\n"
        "size 12\n"
        "rcpt bob@example.org rfc822;bob@example.org -SF-\n"
        "rcpt Postmaster % --FD\n"
        "\n"
        "Subject: x\r\n";
    const std::string state =
        "id OLD0000000001\n"
        "r 0 3 1 1700000600000 1700000000500 --- mx.example.org 451 4.4.1 no%20answer 0 % %\n"
        "r 1 2 1 0 1700000000500 --- % 0 % % 250 2.0.0 ok\n";
    write_segment(t.path, "0000000000000001.seg",
                  encode_spool_record(1, payload) + encode_spool_record(2, state));
    std::vector<std::string> problems;
    auto items = reopen(t.path, problems);
    CHECK(problems.empty());
    REQUIRE(items.size() == 1);
    const QueuedMessage& q = items[0].first;
    CHECK(q.id == "OLD0000000001");
    CHECK(q.sender.mailbox.local_part == "alice");
    CHECK(q.sender.mailbox.domain == "lab.test");
    CHECK(q.params.envid == "abc+def");
    CHECK(q.params.ret == Ret::hdrs);  // v1 DsnRet::hdrs
    REQUIRE(q.recipients.size() == 2);
    CHECK(q.recipients[0].path.mailbox.to_string() == "bob@example.org");
    CHECK(q.recipients[0].params.orcpt == "rfc822;bob@example.org");
    REQUIRE(q.recipients[0].params.notify.has_value());
    CHECK(q.recipients[0].params.notify->success);
    CHECK_FALSE(q.recipients[0].params.notify->delay);
    CHECK(q.recipients[0].state == RecipientState::deferred);  // v1 state 3
    CHECK(q.recipients[0].remote_mta == "mx.example.org");
    REQUIRE(q.recipients[0].last_reply.has_value());
    CHECK(q.recipients[0].last_reply->code == 451);
    // <Postmaster> and the default NOTIFY flags: "not given".
    CHECK(q.recipients[1].path.mailbox.local_part == "Postmaster");
    CHECK(q.recipients[1].path.mailbox.domain.empty());
    CHECK_FALSE(q.recipients[1].params.notify.has_value());
    CHECK(q.recipients[1].state == RecipientState::delivered);  // v1 state 2
}

TEST_CASE("spool: a torn tail is cut off, the records before it recovered") {
    TempDir t;
    QueuedMessage q = sample();
    {
        Spool s(t.path, false);
        std::string error;
        REQUIRE(s.init(error));
        REQUIRE(s.commit(q, SpoolInfo{}, "body\r\n") == 0);
    }
    // A second message whose write was cut short by a crash (never acknowledged).
    QueuedMessage q2 = sample();
    q2.id = "TORN000000001";
    const std::string log = t.path + "/spool/log/";
    std::string seg;
    for (const auto& e : std::filesystem::directory_iterator(log)) seg = e.path().string();
    REQUIRE(!seg.empty());
    {
        Spool other(t.path + "/other", false);
        std::string error;
        REQUIRE(other.init(error));
        REQUIRE(other.commit(q2, SpoolInfo{}, "torn body\r\n") == 0);
        std::string other_seg;
        for (const auto& e : std::filesystem::directory_iterator(t.path + "/other/spool/log"))
            other_seg = e.path().string();
        std::ifstream in(other_seg, std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        std::ofstream(seg, std::ios::binary | std::ios::app) << bytes.substr(0, bytes.size() - 5);
    }
    std::vector<std::string> problems;
    auto items = reopen(t.path, problems);
    REQUIRE(items.size() == 1);
    CHECK(items[0].first.id == q.id);
    CHECK(problems.size() == 1);  // reported, not resurrected
}

TEST_CASE("spool: a record whose checksum does not match is never resurrected") {
    TempDir t;
    QueuedMessage q = sample();
    {
        Spool s(t.path, false);
        std::string error;
        REQUIRE(s.init(error));
        REQUIRE(s.commit(q, SpoolInfo{}, "body that will be damaged\r\n") == 0);
    }
    std::string seg;
    for (const auto& e : std::filesystem::directory_iterator(t.path + "/spool/log")) seg = e.path().string();
    std::string bytes;
    {
        std::ifstream in(seg, std::ios::binary);
        bytes.assign((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    }
    bytes[bytes.size() - 8] ^= 0x20;  // one bit in the content: same length, wrong hash
    std::ofstream(seg, std::ios::binary | std::ios::trunc) << bytes;
    std::vector<std::string> problems;
    auto items = reopen(t.path, problems);
    CHECK(items.empty());
    CHECK(problems.size() == 1);
}
