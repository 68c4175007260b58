#pragma once
// Mailpit's REST API v1 over the captured-mail inbox, so that Mailpit's clients (the
// `mailpit-api` npm package, test suites written for Mailpit) work against relaylab's
// sandbox unchanged. Field names and shapes are Mailpit's. No sockets: a request (method,
// target, body) in, a response out; native/http.cpp carries the bytes.
//
//   GET    /api/v1/info                     instance totals
//   GET    /api/v1/webui                    the web UI's settings (release on or off, …)
//   GET    /api/v1/messages?start&limit     newest first
//   PUT    /api/v1/messages                 {"IDs":[…],"Read":true} or {"Search":"…"}; none: all
//   DELETE /api/v1/messages                 {"IDs":[…]}; no body or no IDs: all
//   GET    /api/v1/search?query&start&limit DELETE /api/v1/search?query
//   GET    /api/v1/message/{ID|latest}      the message (marks it read), …/headers, …/raw,
//                                           …/part/{PartID}
//   POST   /api/v1/message/{ID}/release     {"To":[…]}: checked against the allow-list here,
//                                           queued by the relay (ApiResponse::release)
//   GET    /api/v1/tags                     [] (relaylab keeps no tags)
//   GET    /view/{ID|latest}.html, .txt     the HTML (404 without one) or text body alone,
//                                           sandboxed, remote content blocked
//
// Events (Mailpit's WebSocket messages, {"Type":…,"Data":…}) are returned with each response
// and made for new messages by new_message_event(): the relay hands them to whoever listens
// (the /api/events WebSocket).
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/mail_summary.hpp"
#include "native/inbox_store.hpp"

namespace relaylab::native {

struct ApiSettings {
    std::string version;                       // relaylab's version
    std::string database;                      // what Mailpit calls its database: the state folder
    std::vector<std::string> release_allowed;  // sandbox.release_allowed; empty: release is off
    std::string release_via;                   // "mx" or "host:port", for /api/v1/webui
    // The SMTP side's counters for /api/v1/info (none: zeros).
    struct RuntimeStats {
        std::uint64_t uptime_s = 0, accepted = 0, accepted_size = 0, rejected = 0;
    };
    std::function<RuntimeStats()> runtime_stats;
};

// A release the API accepted: the relay queues `content` from `sender` ("" = null) to `to`.
struct ReleaseRequest {
    std::string id;
    std::string sender;
    std::vector<std::string> to;
    std::string content;
};

struct ApiResponse {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::optional<ReleaseRequest> release;  // set on an accepted release: the caller queues it
    std::vector<std::string> events;       // Mailpit WebSocket events this request caused
    // Extra response header fields: every answer is nosniff; message content (parts, the HTML
    // view) is sandboxed by its Content-Security-Policy, so a captured message's HTML or
    // script never runs with the relay's origin (and its API) and loads nothing remote.
    std::vector<std::pair<std::string, std::string>> headers;
};

class MailpitApi {
public:
    MailpitApi(InboxStore& store, ApiSettings settings) : store_(store), settings_(std::move(settings)) {}

    // nullopt: not an API path this knows (the caller goes on with its other routes).
    // HEAD is answered as GET (the caller drops the body).
    std::optional<ApiResponse> handle(std::string_view method, std::string_view target, std::string_view body);

    // {"Type":"new","Data":{…list item…}} for a message just stored.
    std::string new_message_event(const InboxEntry& entry);

    // The error answer used for every refusal: {"Error": text}.
    static ApiResponse error(int status, const std::string& text);

private:
    struct Cached {
        std::uint64_t size = 0;
        MailSummary summary;
        std::string queue_id;            // of a sandbox capture; "" for local mail
        std::vector<std::string> rcpts;  // envelope recipients of this copy
    };
    // The listed messages, newest first; further captured copies of one transaction are in
    // copies_ under the listed one's ID.
    std::vector<InboxEntry> sorted_entries();
    std::vector<InboxEntry> with_copies(const InboxEntry& e) const;
    bool remove_all_copies(const InboxEntry& e);
    bool set_read_all_copies(const InboxEntry& e, bool read);
    std::optional<ApiResponse> route(std::string_view method, const std::vector<std::string>& seg,
                                     const std::string& view_kind, const std::map<std::string, std::string>& query,
                                     std::string_view body);
    const MailSummary* summary(const InboxEntry& e);

    InboxStore& store_;
    ApiSettings settings_;
    std::map<std::string, Cached> cache_;  // by ID: a stored message never changes
    std::map<std::string, std::vector<InboxEntry>> copies_;
    std::uint64_t deleted_ = 0;
};

// The header lines the relay put on top of a stored message (Return-Path:, Delivered-To:,
// X-Relaylab-Captured:) removed: the message as its sender wrote it, for a release.
std::string strip_delivery_headers(std::string_view message);
// The queue id in a sandbox capture's X-Relaylab-Captured: header ("" when there is none).
std::string captured_queue_id(std::string_view message);
// The envelope recipient(s) a stored copy was delivered to (capture header rcpt=, Delivered-To:).
std::vector<std::string> envelope_recipients(std::string_view message);

}  // namespace relaylab::native
