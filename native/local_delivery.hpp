#pragma once
// Delivery into mailboxes on this machine (no sockets): a user's Maildir under
// <state_dir>/mail/<domain>/<user>/, and sandbox capture into <state_dir>/captured/. Blocking
// (fsync): the relay calls these from its worker pool. Whether a recipient is ours and what
// the result means for the queue is the engine's (engine/delivery.hpp).
#include <string>

#include "engine/address.hpp"
#include "engine/reply.hpp"

namespace relaylab::native {

// Delivers into a Maildir (creating tmp/ new/ cur/): write tmp/, fsync, rename to new/,
// fsync new/. 0 on success, else errno. `stored`: set to the file's path on success.
int maildir_deliver(const std::string& maildir, const std::string& content, const std::string& hostname, bool fsync,
                    std::string* stored = nullptr);

struct LocalDelivery {
    std::string state_dir;
    std::string hostname;
    std::string first_local_domain = "localhost";  // <Postmaster> without a domain goes here
    bool fsync = true;
};

// Delivers `content` to the mailbox of `to` (a local domain); known_user: the address is in
// the users file (postmaster always exists, RFC 5321 §4.5.1). The reply says what happened:
// 250 2.0.0, 550 5.1.1 for an unknown user (RFC 3463 X.1.1), or the storage failure.
// The final delivery writes Return-Path: with the reverse-path (RFC 5321 §4.4) and drops any
// Return-Path the message arrived with.
// `stored`: set to the new file's path when delivered (the inbox announces it).
Reply deliver_to_mailbox(const LocalDelivery& where, const Path& from, const Path& to, const std::string& content,
                         bool known_user, std::string* stored = nullptr);

// Sandbox mode: nothing leaves the machine; the message is kept in the capture Maildir with
// a header naming the route it would have taken. A delivery into a local mailbox.
Reply capture(const LocalDelivery& where, const Path& from, const Path& to, const std::string& route, const std::string& queue_id,
              const std::string& content, std::string* stored = nullptr);

// The lower-case "user@domain" of a local recipient as its Maildir knows it.
std::string mailbox_key(const LocalDelivery& where, const Path& to);

}  // namespace relaylab::native
