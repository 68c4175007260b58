#pragma once
// The inside of sim/rebuild_world: what a trace shows, folded into typed facts
// (rebuild_observe.cpp), which rebuild_world.cpp then writes as a scenario. Pure data.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "engine/command.hpp"
#include "engine/mx.hpp"
#include "sim/rebuild_world.hpp"
#include "sim/scenario.hpp"

namespace relaylab::sim::rebuild {

struct SeenRcpt {
    Path path;
    RcptParams params;
    int code = 0;  // the reply to RCPT (0: none seen)
    std::string enhanced;
};

struct SeenTransaction {
    std::int64_t t_ms = 0;
    std::string message;  // the event's message id, if any
    Path from;
    MailParams params;
    int mail_code = 0;
    std::vector<SeenRcpt> rcpts;
};

struct SeenSession {
    std::string key;
    std::string client, server;
    int port = 25;
    std::int64_t t_ms = 0;  // first event
    bool ehlo = false;      // the client said EHLO/HELO
    bool starttls = false;  // the client sent STARTTLS
    bool tls_up = false;
    bool auth = false;      // the client sent AUTH
    bool auth_before_tls = false;
    int auth_code = 0;      // the final reply to AUTH
    bool content = false;   // the client sent DATA or BDAT
    std::vector<SeenTransaction> transactions;
    std::vector<TraceEvent> commands;  // the client's lines, in order
    std::vector<std::string> pending;  // verbs awaiting a reply, in order ("content" for a message)
};

struct SeenDns {
    std::string name;  // lower case
    std::string type;  // MX, A, AAAA
    std::vector<std::pair<std::uint16_t, std::string>> mx;
    std::vector<std::string> addresses;
    bool answered = false;                    // an answer with records was seen
    std::optional<std::int64_t> first_ok_ms;  // when it first answered
    DnsStatus failure = DnsStatus::ok;        // the first failure seen (ok: none)
    std::int64_t failure_ms = 0;
};

struct SeenHost {
    std::string name;
    bool client_side = false, server_side = false;  // of an SMTP session
    bool queues = false;                            // it kept a queue (a relay)
    bool captures = false;                          // it captured mail (outcome `captured`)
    std::set<int> ports;                            // served on
    std::string ipv4, ipv6;
    bool ehlo_seen = false;
    std::set<std::string> extensions;  // EHLO keywords, upper case
    std::optional<std::uint64_t> size;
    std::vector<std::string> local_domains, users, unknown_users;  // in order of sight
    bool greylisting = false, mailbox_full = false, rate_limit = false, refused = false, silent = false;
    bool accepted_connection = false;  // a greeting was seen
    std::optional<TlsOutcome> tls;     // a TLS failure seen at this host (as a server)
    bool tls_failed = false;           // ... that stopped the client (not opportunistic TLS going on)
    std::optional<std::size_t> max_hops;  // it refused a message for too many Received: lines
    std::map<std::string, std::int64_t> queued_ms;  // message → when it entered this host's queue
    std::map<std::string, int> deferrals;           // message → deferrals here
    std::map<std::string, std::int64_t> bounced_ms;  // message → when a bounce was sent for it
};

struct Observation {
    std::vector<SeenHost> hosts;  // in order of first sight
    std::vector<SeenSession> sessions;
    std::vector<SeenDns> dns;
    std::int64_t t0 = 0;  // the first event's time
    std::vector<std::string> notes;
    // Replies the world cannot give by itself: (host, "code enhanced to VERB").
    std::vector<std::pair<std::string, std::string>> unmapped;
    std::size_t transfers = 0;  // messages accepted after their content, so far
    // Hosts that failed TLS for a client and were never sent mail in clear text by it.
    std::set<std::pair<std::string, std::string>> tls_clear_retry;  // (client, server) that went on without TLS

    SeenHost* host(const std::string& name);
    SeenHost& add_host(const std::string& name);
    const SeenHost* find(const std::string& name) const;
};

Observation observe(const std::vector<ObservedEvent>& events);

void add_unique(std::vector<std::string>& list, const std::string& value);

}  // namespace relaylab::sim::rebuild
