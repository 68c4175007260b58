#include "engine/trace.hpp"

namespace relaylab {

std::string trace_printable(std::string_view s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    constexpr std::size_t k_max = 600;
    std::string out;
    out.reserve((s.size() < k_max ? s.size() : k_max) + 8);
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (out.size() >= k_max) {
            out += "...";
            break;
        }
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c == '\r') out += "\\r";
        else if (c == '\n') out += "\\n";
        else if (c == '\\') out += "\\\\";
        else if (c < 0x20 || c == 0x7F) {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

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
