#pragma once
// What the simulator records: one Step per trace event, with the changes that event
// made to the world, so that the state at any step is a fold over the steps before it.
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "engine/queue_model.hpp"
#include "engine/trace.hpp"

namespace relaylab::sim {

// Where a scenario message stands, folded over its recipients (world_recorder.cpp).
// captured: kept in a capture host's inbox (a fake SMTP server), never delivered onward.
enum class MessageState : std::uint8_t { pending, delivered, relayed, deferred, bounced, rejected, captured };
const char* message_state_name(MessageState state);  // the JSON/JS names: "pending", ...

// Why a connection was opened: a client submitting, a relay handing on to another relay,
// a relay delivering to the recipient's MX.
enum class Purpose : std::uint8_t { submission, relay, delivery };
const char* purpose_name(Purpose p);  // "submission" | "relay" | "delivery"

// The teacher's notes are keyed by topic (NoteSpec::phase in the scenario files): the
// story's chapter a step belongs to, coarser than the protocol phase and aware of who talks
// (a submission, a relay's delivery, a bounce). Set from typed data, never from text.
enum class Topic : std::uint8_t { intro, submission, auth, tls, dns, relay, delivery, queue, bounce };
const char* topic_name(Topic topic);  // the scenario files' names: "intro", "submission", ...

// The outcome of one scenario message, as the CLI's JSON and the page's state() show it.
struct MessageStatus {
    std::string id;
    std::string from;
    std::vector<std::string> to;
    MessageState status = MessageState::pending;
    int code = 0;
    std::string enhanced;
    std::string final_host;
    int deferrals = 0;
    bool operator==(const MessageStatus&) const = default;
};

struct RecipientView {
    std::string address;
    RecipientState state = RecipientState::queued;  // names: recipient_state_name
    int attempts = 0;
    std::int64_t next_attempt_ms = -1;
    std::string last_reply;
    bool operator==(const RecipientView&) const = default;
};

struct QueueEntryView {
    std::string queue_id;
    std::string host;     // the relay holding it
    std::string message;  // scenario message id ("" for a bounce)
    std::string sender;
    bool bounce = false;
    std::vector<RecipientView> recipients;
    bool operator==(const QueueEntryView&) const = default;
};

struct ConnectionView {
    int id = 0;
    std::string client, server;
    int port = 0;
    Purpose purpose = Purpose::submission;
    bool tls = false;
    bool open = true;
    bool operator==(const ConnectionView&) const = default;
};

struct DnsRecordView {
    std::int64_t t_ms = 0;
    std::string resolver_of;  // who asked
    std::string question;     // "dest.test MX"
    std::string answer;       // "10 mx1.dest.test, 20 mx2.dest.test" / "NXDOMAIN" / ...
    TraceOutcome outcome = TraceOutcome::none;  // ok, failed (NXDOMAIN, no records, SERVFAIL), timed_out
    bool operator==(const DnsRecordView&) const = default;
};
// The DNS panel's row for a typed answer (the simulator's and Live mode's alike).
DnsRecordView dns_record_view(std::int64_t t_ms, const std::string& resolver_of, const TraceDns& dns);

// A copy of a message as one host stored it (headers show the growing Received: chain).
struct MessageCopy {
    std::string message;  // scenario message id ("" when unknown)
    std::string host;
    std::string where;    // "queue <id>" or "mailbox bob@dest.test"
    bool bounce = false;
    std::string content;
    bool operator==(const MessageCopy&) const = default;
};

struct SetMessageStatus { MessageStatus status; bool operator==(const SetMessageStatus&) const = default; };
struct SetQueueEntry { QueueEntryView entry; bool operator==(const SetQueueEntry&) const = default; };
struct RemoveQueueEntry { std::string queue_id; bool operator==(const RemoveQueueEntry&) const = default; };
struct SetConnection { ConnectionView connection; bool operator==(const SetConnection&) const = default; };
struct AddDnsRecord { DnsRecordView record; bool operator==(const AddDnsRecord&) const = default; };
struct AddMessageCopy { MessageCopy copy; bool operator==(const AddMessageCopy&) const = default; };
using Change = std::variant<SetMessageStatus, SetQueueEntry, RemoveQueueEntry, SetConnection, AddDnsRecord,
                            AddMessageCopy>;

struct Step {
    TraceEvent event;     // event.phase is the step's protocol phase (intro, ehlo, auth, ...)
    Topic topic = Topic::intro;  // which teacher's note applies
    std::string message;  // the scenario message it concerns, if known
    int connection = -1;  // the connection it happened on, if any
    std::vector<Change> changes;
    bool operator==(const Step&) const = default;
};

}  // namespace relaylab::sim
