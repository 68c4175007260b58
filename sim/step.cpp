// The name tables of the step vocabulary: the one place each enum becomes the string the
// CLI's JSON, the page's state() and the scenario files use (docs/trace-format.md).
#include "sim/step.hpp"

namespace relaylab::sim {

DnsRecordView dns_record_view(std::int64_t t_ms, const std::string& resolver_of, const TraceDns& dns) {
    return DnsRecordView{t_ms, resolver_of, dns_question_text(dns), dns_answer_text(dns), dns_trace_outcome(dns.status)};
}

const char* message_state_name(MessageState state) {
    switch (state) {
        case MessageState::pending: return "pending";
        case MessageState::delivered: return "delivered";
        case MessageState::relayed: return "relayed";
        case MessageState::deferred: return "deferred";
        case MessageState::bounced: return "bounced";
        case MessageState::rejected: return "rejected";
        case MessageState::captured: return "captured";
    }
    return "pending";
}

const char* purpose_name(Purpose p) {
    switch (p) {
        case Purpose::submission: return "submission";
        case Purpose::relay: return "relay";
        case Purpose::delivery: return "delivery";
    }
    return "delivery";
}

const char* topic_name(Topic topic) {
    switch (topic) {
        case Topic::intro: return "intro";
        case Topic::submission: return "submission";
        case Topic::auth: return "auth";
        case Topic::tls: return "tls";
        case Topic::dns: return "dns";
        case Topic::relay: return "relay";
        case Topic::delivery: return "delivery";
        case Topic::queue: return "queue";
        case Topic::bounce: return "bounce";
    }
    return "intro";
}

}  // namespace relaylab::sim
