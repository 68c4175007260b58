#include "engine/trace.hpp"

namespace relaylab {

const char* trace_kind_name(TraceKind kind) {
    switch (kind) {
        case TraceKind::command: return "command";
        case TraceKind::reply: return "reply";
        case TraceKind::data: return "data";
        case TraceKind::state: return "state";
        case TraceKind::tls: return "tls";
        case TraceKind::dns_query: return "dns_query";
        case TraceKind::dns_answer: return "dns_answer";
        case TraceKind::connect: return "connect";
        case TraceKind::queue: return "queue";
        case TraceKind::delivery: return "delivery";
        case TraceKind::note: return "note";
    }
    return "note";
}

}  // namespace relaylab
