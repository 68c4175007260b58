// The wire log's lookups, stable addresses, and the steps' pointers into it.
#include "sim/wire.hpp"

#include <map>

#include "engine/ids.hpp"
#include "sim/step.hpp"

namespace relaylab::sim {

const char* wire_dir_name(WireDir dir) { return dir == WireDir::to_server ? "to_server" : "to_client"; }

const WireConnection* WireLog::connection(int id) const {
    for (const auto& c : connections)
        if (c.id == id) return &c;
    return nullptr;
}

const WireSpan* WireLog::span(std::size_t step_index) const {
    if (step_index >= spans.size() || spans[step_index].connection < 0) return nullptr;
    return &spans[step_index];
}

namespace {
bool dotted_quad(const std::string& ip) {
    int parts = 0, digits = 0, value = 0;
    for (char ch : ip) {
        if (ch == '.') {
            if (digits == 0) return false;
            ++parts, digits = 0, value = 0;
        } else if (ch >= '0' && ch <= '9') {
            value = value * 10 + (ch - '0');
            if (++digits > 3 || value > 255) return false;
        } else {
            return false;
        }
    }
    return parts == 3 && digits > 0;
}
}  // namespace

std::string wire_ipv4(const std::string& configured_ip, const std::string& host_name) {
    if (dotted_quad(configured_ip)) return configured_ip;
    const std::uint64_t h = hash64(0x77697265, host_name);  // "wire"
    return "10." + std::to_string((h >> 16) & 0xff) + "." + std::to_string((h >> 8) & 0xff) + "." +
           std::to_string(1 + (h & 0xff) % 254);
}

void locate_wire_spans(const std::vector<Step>& steps, WireLog& log) {
    log.spans.assign(steps.size(), WireSpan{});
    struct Cursor {
        std::size_t to_server = 0, to_client = 0;
        std::vector<std::size_t> pending;  // content steps waiting for the next command
    };
    std::map<int, Cursor> cursors;
    auto close_pending = [&](const WireConnection& c, Cursor& cur, std::size_t end) {
        for (std::size_t i : cur.pending)
            log.spans[i] = WireSpan{c.id, WireDir::to_server, cur.to_server, end - cur.to_server};
        if (!cur.pending.empty()) cur.to_server = end;
        cur.pending.clear();
    };
    for (std::size_t i = 0; i < steps.size(); ++i) {
        const TraceEvent& ev = steps[i].event;
        const WireConnection* c = log.connection(steps[i].connection);
        if (!c) continue;
        Cursor& cur = cursors[c->id];
        if (ev.kind == TraceKind::reply && !ev.wire.empty()) {
            const auto at = c->to_client.find(ev.wire, cur.to_client);
            if (at == std::string::npos) continue;
            log.spans[i] = WireSpan{c->id, WireDir::to_client, at, ev.wire.size()};
            cur.to_client = at + ev.wire.size();
        } else if (ev.kind == TraceKind::command && !ev.wire.empty()) {
            const std::size_t from = cur.to_server;
            const auto at = c->to_server.find(ev.wire, from);
            if (at == std::string::npos) continue;
            close_pending(*c, cur, at);
            log.spans[i] = WireSpan{c->id, WireDir::to_server, at, ev.wire.size()};
            cur.to_server = at + ev.wire.size();
        } else if (ev.note == TraceNote::content || ev.note == TraceNote::content_bdat ||
                   ev.note == TraceNote::bare_line_ending || ev.note == TraceNote::bare_line_ending_bdat) {
            cur.pending.push_back(i);
        }
    }
    for (auto& [id, cur] : cursors)
        if (const WireConnection* c = log.connection(id)) close_pending(*c, cur, c->to_server.size());
}

}  // namespace relaylab::sim
