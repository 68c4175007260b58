// Mailpit's REST API over the inbox (native/mailpit_api.hpp) on a fake store, and the Maildir
// store itself (native/inbox_store.hpp) in a temporary folder. The shapes checked here are the
// ones the `mailpit-api` npm client reads (its type definitions name every field).
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "native/inbox_store.hpp"
#include "native/local_delivery.hpp"
#include "native/mailpit_api.hpp"
#include "native/spool_record.hpp"

using namespace relaylab;
using namespace relaylab::native;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

// A store in memory: the API's only collaborator.
struct FakeStore : InboxStore {
    struct Msg {
        InboxEntry entry;
        std::string content;
    };
    std::vector<Msg> msgs;
    void add(std::string id, std::int64_t created, std::string content) {
        InboxEntry e;
        e.id = id;
        e.path = "/fake/" + id;
        e.created_ms = created;
        e.size = content.size();
        msgs.push_back({e, std::move(content)});
    }
    Msg* find(const std::string& id) {
        for (auto& m : msgs)
            if (m.entry.id == id) return &m;
        return nullptr;
    }
    std::vector<InboxEntry> entries() override {
        std::vector<InboxEntry> out;
        for (auto& m : msgs) out.push_back(m.entry);
        return out;
    }
    std::optional<std::string> content(const InboxEntry& e) override {
        if (auto* m = find(e.id)) return m->content;
        return std::nullopt;
    }
    bool remove(const InboxEntry& e) override {
        auto it = std::find_if(msgs.begin(), msgs.end(), [&](const Msg& m) { return m.entry.id == e.id; });
        if (it == msgs.end()) return false;
        msgs.erase(it);
        return true;
    }
    bool set_read(const InboxEntry& e, bool read) override {
        if (auto* m = find(e.id)) return (m->entry.read = read, true);
        return false;
    }
};

const std::string k_plain =
    "Return-Path: <alice@lab.test>\r\n"
    "X-Relaylab-Captured: mode=sandbox; rcpt=bob@dest.test; route=MX of dest.test, port 25; queue-id=Q1\r\n"
    "Received: from client (localhost [127.0.0.1]) by a.lab.test\r\n"
    "From: Alice <alice@lab.test>\r\n"
    "To: bob@dest.test\r\n"
    "Subject: plain one\r\n"
    "Message-ID: <p1@lab.test>\r\n"
    "\r\n"
    "Hello Bob, the first message.\r\n";

const std::string k_multi =
    "Return-Path: <carol@lab.test>\r\n"
    "Delivered-To: dave@lab.test\r\n"
    "From: carol@lab.test\r\n"
    "To: dave@lab.test\r\n"
    "Subject: =?UTF-8?Q?R=C3=A9sum=C3=A9?=\r\n"
    "Content-Type: multipart/mixed; boundary=XX\r\n"
    "\r\n"
    "--XX\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<b>bold</b> words\r\n"
    "--XX\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=cv.pdf\r\n"
    "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n"
    "--XX--\r\n";

struct Fixture {
    FakeStore store;
    MailpitApi api;
    explicit Fixture(std::vector<std::string> allowed = {"dest.test"})
        : api(store, ApiSettings{"0.1.0", "/var/relaylab", std::move(allowed), "mx", {}}) {
        store.add("aaaa", 1'000, k_plain);
        store.add("bbbb", 2'000, k_multi);
    }
    ApiResponse call(const char* method, const std::string& target, const std::string& body = "") {
        auto r = api.handle(method, target, body);
        REQUIRE(r);
        return *r;
    }
    json get(const std::string& target) {
        ApiResponse r = call("GET", target);
        CAPTURE(r.body);
        REQUIRE(r.status == 200);
        return json::parse(r.body);
    }
};

}  // namespace

TEST_CASE("mailpit api: list newest first, with Mailpit's fields") {
    Fixture f;
    const json j = f.get("/api/v1/messages");
    CHECK(j["total"] == 2);
    CHECK(j["unread"] == 2);
    CHECK(j["count"] == 2);
    CHECK(j["messages_count"] == 2);
    CHECK(j["start"] == 0);
    CHECK(j["tags"].is_array());
    REQUIRE(j["messages"].size() == 2);
    const json& m = j["messages"][0];
    CHECK(m["ID"] == "bbbb");
    CHECK(m["Subject"] == "R\xC3\xA9sum\xC3\xA9");
    CHECK(m["From"] == json{{"Name", ""}, {"Address", "carol@lab.test"}});
    CHECK(m["To"][0]["Address"] == "dave@lab.test");
    CHECK(m["Read"] == false);
    CHECK(m["Attachments"] == 1);
    CHECK(m["Snippet"] == "bold words");
    CHECK(m["Created"] == "1970-01-01T00:00:02.000Z");
    CHECK(m["Size"] == k_multi.size());
    for (const char* key : {"MessageID", "Cc", "Bcc", "ReplyTo", "Tags"}) CHECK(m.contains(key));
    CHECK(j["messages"][1]["From"] == json{{"Name", "Alice"}, {"Address", "alice@lab.test"}});

    SUBCASE("start and limit page through") {
        const json p = f.get("/api/v1/messages?start=1&limit=1");
        CHECK(p["count"] == 1);
        CHECK(p["start"] == 1);
        CHECK(p["messages_count"] == 2);
        CHECK(p["messages"][0]["ID"] == "aaaa");
        CHECK(f.get("/api/v1/messages?start=5")["messages"].empty());
        CHECK(f.get("/api/v1/messages?limit=junk")["count"] == 2);
    }
}

TEST_CASE("mailpit api: one message, latest, headers, raw, part") {
    Fixture f;
    json m = f.get("/api/v1/message/latest");
    CHECK(m["ID"] == "bbbb");
    CHECK(m["HTML"] == "<b>bold</b> words");  // the line end before the delimiter is the delimiter's
    CHECK(m["Text"] == "");
    CHECK(m["ReturnPath"] == "carol@lab.test");
    REQUIRE(m["Attachments"].size() == 1);
    const json& a = m["Attachments"][0];
    CHECK(a["PartID"] == "2");
    CHECK(a["FileName"] == "cv.pdf");
    CHECK(a["ContentType"] == "application/pdf");
    CHECK(a["Size"] == 9);
    CHECK(a["Checksums"]["SHA256"] == "e5c62df5dab5c87b6a015ef3d43597074d1eec433b15f51aec63b8582d0e4ab4");
    CHECK(a["Checksums"]["MD5"] == "6446a98080f5e51ab7f0abc0e8eda635");
    CHECK(m["Inline"].empty());
    // Reading marks it read, and says so to listeners.
    CHECK(f.store.find("bbbb")->entry.read);
    CHECK(f.get("/api/v1/messages")["unread"] == 1);

    m = f.get("/api/v1/message/aaaa");
    CHECK(m["Text"] == "Hello Bob, the first message.\r\n");
    CHECK(m["Date"] == "1970-01-01T00:00:01.000Z");  // no Date: the time it was stored
    CHECK(m["MessageID"] == "p1@lab.test");

    const json h = f.get("/api/v1/message/aaaa/headers");
    CHECK(h["Subject"] == json::array({"plain one"}));
    CHECK(h["Return-Path"] == json::array({"<alice@lab.test>"}));

    ApiResponse raw = f.call("GET", "/api/v1/message/aaaa/raw");
    CHECK(raw.status == 200);
    CHECK(raw.body == k_plain);
    CHECK(raw.content_type.rfind("text/plain", 0) == 0);

    ApiResponse part = f.call("GET", "/api/v1/message/bbbb/part/2");
    CHECK(part.status == 200);
    CHECK(part.content_type == "application/pdf");
    CHECK(part.body == "%PDF-1.4\n");
    CHECK(f.call("GET", "/api/v1/message/bbbb/part/9").status == 404);
    CHECK(f.call("GET", "/api/v1/message/nope").status == 404);
    CHECK(f.call("GET", "/api/v1/message/nope/raw").status == 404);
    CHECK(json::parse(f.call("GET", "/api/v1/message/nope").body).contains("Error"));
}

TEST_CASE("mailpit api: /view/ID.html and .txt, sandboxed") {
    Fixture f;
    auto header = [](const ApiResponse& r, const std::string& name) {
        for (const auto& [k, v] : r.headers)
            if (k == name) return v;
        return std::string();
    };
    ApiResponse html = f.call("GET", "/view/bbbb.html");
    CHECK(html.status == 200);
    CHECK(html.content_type == "text/html; charset=utf-8");
    CHECK(html.body == "<b>bold</b> words");
    // Captured HTML runs with no script, nothing remote, and an opaque origin.
    const std::string csp = header(html, "Content-Security-Policy");
    CHECK(csp.find("sandbox") != std::string::npos);
    CHECK(csp.find("default-src 'none'") != std::string::npos);
    CHECK(header(html, "X-Content-Type-Options") == "nosniff");
    CHECK(f.call("GET", "/view/aaaa.html").status == 404);  // no HTML part
    ApiResponse txt = f.call("GET", "/view/latest.txt");
    CHECK(txt.status == 200);
    CHECK(txt.body.empty());  // bbbb has no text part
    CHECK(f.call("GET", "/view/aaaa.txt").body == "Hello Bob, the first message.\r\n");
    CHECK(header(f.call("GET", "/api/v1/message/bbbb/part/2"), "Content-Security-Policy") == csp);
    CHECK_FALSE(f.api.handle("GET", "/view/aaaa.pdf", ""));
    CHECK_FALSE(f.api.handle("GET", "/view/", ""));
    CHECK_FALSE(f.store.find("aaaa")->entry.read);  // a view does not mark read
}

TEST_CASE("mailpit api: the reading event and HEAD") {
    Fixture f;
    ApiResponse r = f.call("HEAD", "/api/v1/message/aaaa");
    CHECK(r.status == 200);
    CHECK_FALSE(f.store.find("aaaa")->entry.read);  // HEAD reads nothing
    r = f.call("GET", "/api/v1/message/aaaa");
    REQUIRE(r.events.size() == 1);
    CHECK(json::parse(r.events[0]) == json{{"Type", "update"}, {"Data", {{"ID", "aaaa"}, {"Read", true}}}});
    const std::string ev = f.api.new_message_event(f.store.find("bbbb")->entry);
    const json e = json::parse(ev);
    CHECK(e["Type"] == "new");
    CHECK(e["Data"]["ID"] == "bbbb");
    CHECK(e["Data"]["Subject"] == "R\xC3\xA9sum\xC3\xA9");
}

TEST_CASE("mailpit api: search") {
    Fixture f;
    auto ids = [&](const std::string& q) {
        std::vector<std::string> out;
        const json j = f.get("/api/v1/search?query=" + q);
        for (const auto& m : j["messages"]) out.push_back(m["ID"]);
        return out;
    };
    CHECK(ids("from%3Aalice") == std::vector<std::string>{"aaaa"});
    CHECK(ids("to:dave@lab.test") == std::vector<std::string>{"bbbb"});
    CHECK(ids("to:bob") == std::vector<std::string>{"aaaa"});  // the envelope recipient too
    CHECK(ids("subject:%22plain+one%22") == std::vector<std::string>{"aaaa"});
    CHECK(ids("subject:r%C3%A9sum%C3%A9") == std::vector<std::string>{"bbbb"});
    CHECK(ids("bold") == std::vector<std::string>{"bbbb"});
    CHECK(ids("lab.test") == std::vector<std::string>{"bbbb", "aaaa"});
    CHECK(ids("nothing-like-this").empty());
    const json j = f.get("/api/v1/search?query=first");
    CHECK(j["messages_count"] == 1);
    CHECK(j["total"] == 2);
    CHECK(f.call("GET", "/api/v1/search").status == 400);
    // DELETE /api/v1/search removes what matches.
    CHECK(f.call("DELETE", "/api/v1/search?query=from:carol").status == 200);
    CHECK(f.store.msgs.size() == 1);
    CHECK(f.store.msgs[0].entry.id == "aaaa");
}

TEST_CASE("mailpit api: delete and mark read") {
    Fixture f;
    SUBCASE("by IDs") {
        ApiResponse r = f.call("DELETE", "/api/v1/messages", R"({"IDs":["aaaa"]})");
        CHECK(r.status == 200);
        CHECK(r.body == "ok");
        CHECK(f.store.msgs.size() == 1);
        REQUIRE(r.events.size() == 1);
        CHECK(json::parse(r.events[0])["Type"] == "delete");
        CHECK(f.call("DELETE", "/api/v1/messages", R"({"IDs":["zzzz"]})").status == 404);
        CHECK(f.call("DELETE", "/api/v1/messages", R"({"IDs":"aaaa"})").status == 400);
        CHECK(f.call("DELETE", "/api/v1/messages", "not json").status == 400);
        CHECK(f.get("/api/v1/info")["RuntimeStats"]["MessagesDeleted"] == 1);
    }
    SUBCASE("all: no body, or no IDs") {
        ApiResponse r = f.call("DELETE", "/api/v1/messages");
        CHECK(r.status == 200);
        CHECK(f.store.msgs.empty());
        CHECK(json::parse(r.events.at(0))["Type"] == "truncate");
        CHECK(f.get("/api/v1/messages")["total"] == 0);
        CHECK(f.call("GET", "/api/v1/message/latest").status == 404);
    }
    SUBCASE("PUT marks read and unread") {
        CHECK(f.call("PUT", "/api/v1/messages", R"({"IDs":["aaaa"],"Read":true})").status == 200);
        CHECK(f.store.find("aaaa")->entry.read);
        CHECK_FALSE(f.store.find("bbbb")->entry.read);
        CHECK(f.call("PUT", "/api/v1/messages", R"({"Read":true})").status == 200);
        CHECK(f.get("/api/v1/messages")["unread"] == 0);
        CHECK(f.get("/api/v1/search?query=is:read")["messages_count"] == 2);
        CHECK(f.call("PUT", "/api/v1/messages", R"({"Search":"from:carol"})").status == 200);  // Read false
        CHECK_FALSE(f.store.find("bbbb")->entry.read);
        CHECK(f.store.find("aaaa")->entry.read);
    }
}

TEST_CASE("mailpit api: release checks the allow-list and hands the message over") {
    SUBCASE("allowed") {
        Fixture f;
        ApiResponse r = f.call("POST", "/api/v1/message/aaaa/release", R"({"To":["bob@dest.test","Eve@DEST.test"]})");
        CHECK(r.status == 200);
        CHECK(r.body == "ok");
        REQUIRE(r.release);
        CHECK(r.release->id == "aaaa");
        CHECK(r.release->sender == "alice@lab.test");
        CHECK(r.release->to == std::vector<std::string>{"bob@dest.test", "Eve@DEST.test"});
        // The relay's own delivery headers go; the sender's message stays whole.
        CHECK(r.release->content.rfind("Received: from client", 0) == 0);
        CHECK(r.release->content.find("X-Relaylab-Captured") == std::string::npos);
        CHECK(r.release->content.find("Return-Path") == std::string::npos);
        CHECK(r.release->content.find("Hello Bob, the first message.") != std::string::npos);
    }
    SUBCASE("refused: not on the list, malformed, off") {
        Fixture f;
        ApiResponse r = f.call("POST", "/api/v1/message/aaaa/release", R"({"To":["bob@dest.test","x@elsewhere.test"]})");
        CHECK(r.status == 403);
        CHECK_FALSE(r.release);
        CHECK(json::parse(r.body)["Error"].get<std::string>().find("x@elsewhere.test") != std::string::npos);
        CHECK(f.call("POST", "/api/v1/message/aaaa/release", R"({"To":[]})").status == 400);
        CHECK(f.call("POST", "/api/v1/message/aaaa/release", R"({"To":["no at sign"]})").status == 400);
        CHECK(f.call("POST", "/api/v1/message/aaaa/release", "").status == 400);
        CHECK(f.call("POST", "/api/v1/message/nope/release", R"({"To":["a@dest.test"]})").status == 404);
        CHECK(f.call("GET", "/api/v1/message/aaaa/release").status == 405);
        Fixture off(std::vector<std::string>{});
        r = off.call("POST", "/api/v1/message/aaaa/release", R"({"To":["bob@dest.test"]})");
        CHECK(r.status == 403);
        CHECK(json::parse(r.body)["Error"].get<std::string>().find("release is off") != std::string::npos);
        CHECK(off.get("/api/v1/webui")["MessageRelay"]["Enabled"] == false);
        CHECK(f.get("/api/v1/webui")["MessageRelay"]["Enabled"] == true);
    }
}

TEST_CASE("mailpit api: one message per transaction, however many copies the sandbox kept") {
    // The sandbox captures one copy per envelope recipient (queue id Q7 for both).
    const std::string head = "From: a@lab.test\r\nTo: x@dest.test\r\nSubject: two copies\r\n\r\nbody\r\n";
    Fixture f;
    f.store.add("c1", 3'000, "X-Relaylab-Captured: mode=sandbox; rcpt=x@dest.test; route=MX of dest.test, port 25; queue-id=Q7\r\n" + head);
    f.store.add("c2", 3'001, "X-Relaylab-Captured: mode=sandbox; rcpt=y@other.test; route=MX of other.test, port 25; queue-id=Q7\r\n" + head);
    json j = f.get("/api/v1/messages");
    CHECK(j["total"] == 3);
    REQUIRE(j["messages"].size() == 3);
    const json& m = j["messages"][0];
    CHECK(m["ID"] == "c1");  // the oldest copy stands for the transaction
    CHECK(m["Bcc"] == json::array({json{{"Name", ""}, {"Address", "y@other.test"}}}));  // y is in no header
    CHECK(f.get("/api/v1/search?query=to:y@other.test")["messages"][0]["ID"] == "c1");
    // Reading it marks every copy read; deleting it deletes every copy.
    f.get("/api/v1/message/c1");
    CHECK(f.store.find("c2")->entry.read);
    CHECK(f.get("/api/v1/messages")["unread"] == 2);
    CHECK(f.call("DELETE", "/api/v1/messages", R"({"IDs":["c1"]})").status == 200);
    CHECK_FALSE(f.store.find("c1"));
    CHECK_FALSE(f.store.find("c2"));
    // A later copy announces nothing new: its message is listed already.
    f.store.add("d1", 4'000, "X-Relaylab-Captured: mode=sandbox; rcpt=x@dest.test; route=r; queue-id=Q8\r\n" + head);
    f.store.add("d2", 4'001, "X-Relaylab-Captured: mode=sandbox; rcpt=y@other.test; route=r; queue-id=Q8\r\n" + head);
    CHECK_FALSE(f.api.new_message_event(f.store.find("d1")->entry).empty());
    CHECK(f.api.new_message_event(f.store.find("d2")->entry).empty());
}

TEST_CASE("mailpit api: routes it does not know are left to others") {
    Fixture f;
    CHECK_FALSE(f.api.handle("GET", "/api/v1/chaos", ""));
    CHECK_FALSE(f.api.handle("GET", "/api/v1/message/aaaa/html-check", ""));
    CHECK_FALSE(f.api.handle("GET", "/index.html", ""));
    CHECK_FALSE(f.api.handle("GET", "/api/v1/", ""));
    CHECK(f.call("POST", "/api/v1/messages").status == 405);
    const json info = f.get("/api/v1/info");
    CHECK(info["Messages"] == 2);
    CHECK(info["Unread"] == 2);
    CHECK(info["Version"] == "0.1.0");
    CHECK(info["DatabaseSize"] == k_plain.size() + k_multi.size());
    CHECK(f.get("/api/v1/tags") == json::array());
}

TEST_CASE("inbox store: Maildir files, stable IDs, read flags") {
    char tmpl[] = "/tmp/relaylab-inbox.XXXXXX";
    const fs::path dir = ::mkdtemp(tmpl);
    std::string captured, local;
    REQUIRE(maildir_deliver((dir / "captured").string(), k_plain, "h.test", false, &captured) == 0);
    REQUIRE(maildir_deliver((dir / "mail/lab.test/dave").string(), k_multi, "h.test", false, &local) == 0);
    MaildirInbox store(dir.string());
    auto all = store.entries();
    REQUIRE(all.size() == 2);
    auto by_path = [&](const std::string& p) {
        auto it = std::find_if(all.begin(), all.end(), [&](const InboxEntry& e) { return e.path == p; });
        REQUIRE(it != all.end());
        return *it;
    };
    const InboxEntry c = by_path(captured);
    CHECK(c.id.size() == 16);
    CHECK(c.size == k_plain.size());
    CHECK_FALSE(c.read);
    CHECK(c.created_ms > 1'700'000'000'000LL);  // from the unique name's seconds
    CHECK(by_path(local).id != c.id);
    REQUIRE(store.entry_at(captured));
    CHECK(store.entry_at(captured)->id == c.id);
    CHECK(store.content(c) == k_plain);

    // Read: moved to cur/ with the S flag (maildir(5)); the ID stays.
    REQUIRE(store.set_read(c, true));
    all = store.entries();
    auto it = std::find_if(all.begin(), all.end(), [&](const InboxEntry& e) { return e.id == c.id; });
    REQUIRE(it != all.end());
    CHECK(it->read);
    CHECK(it->path.find("/cur/") != std::string::npos);
    CHECK(it->path.substr(it->path.size() - 4) == ":2,S");
    REQUIRE(store.set_read(*it, false));
    all = MaildirInbox(dir.string()).entries();  // a new store (a restart) finds the same IDs
    it = std::find_if(all.begin(), all.end(), [&](const InboxEntry& e) { return e.id == c.id; });
    REQUIRE(it != all.end());
    CHECK_FALSE(it->read);
    CHECK(store.remove(*it));
    CHECK(store.entries().size() == 1);
    fs::remove_all(dir);
}

TEST_CASE("spool record: a released message keeps its mark") {
    QueuedMessage q;
    q.id = "Q1";
    q.sender.null = true;
    QueuedRecipient r;
    r.path.mailbox.local_part = "bob";
    r.path.mailbox.domain = "dest.test";
    q.recipients.push_back(r);
    SpoolInfo info;
    info.release = true;
    const std::string head = message_header(q, info, 5);
    QueuedMessage back;
    SpoolInfo info2;
    std::size_t off = 0;
    REQUIRE(parse_message(head + "hello", back, info2, off));
    CHECK(info2.release);
    info.release = false;
    CHECK(message_header(q, info, 5).find("release") == std::string::npos);  // unchanged records
}
