#pragma once
// The spool's record payloads (no files here): the MESSAGE envelope header and the STATE
// lines, version 2 ("relaylab-spool 2") with the whole typed message model, and the reading
// of version 1 records written by the previous release. native/spool.cpp frames, writes and
// recovers them.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/queue_model.hpp"

namespace relaylab::native {

struct SpoolInfo {  // what the envelope header holds beyond QueuedMessage
    std::string client_ip;
    std::string auth_user;
    std::uint64_t size = 0;
    // Released from the sandbox inbox (POST /api/v1/message/{ID}/release): delivered by
    // sandbox.release_via, never captured again. Written only when set ("release 1").
    bool release = false;
};

// A field value with the bytes that could break a line or a field as %XX ("%" = empty).
std::string spool_field(std::string_view s);
std::string spool_field_value(std::string_view field);

// MESSAGE: the envelope header, a blank line, then the content (content_off: where it starts).
std::string message_header(const QueuedMessage& q, const SpoolInfo& info, std::size_t content_size);
bool parse_message(std::string_view payload, QueuedMessage& q, SpoolInfo& info, std::size_t& content_off);

// STATE: one line per recipient ("s" lines; version 1 "r" lines are still read). A recipient
// recovered as attempting was interrupted: it is queued again.
std::string state_lines(const QueuedMessage& q);
void apply_state_lines(QueuedMessage& q, const std::string& text);

}  // namespace relaylab::native
