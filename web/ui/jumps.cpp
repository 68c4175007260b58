#include "web/ui/jumps.hpp"

namespace relaylab::ui {

bool is_failure(const TraceEvent& e) {
    if (e.reply_class == ReplyClass::transient || e.reply_class == ReplyClass::permanent) return true;
    switch (e.outcome) {
        case TraceOutcome::refused:
        case TraceOutcome::timed_out:
        case TraceOutcome::failed:
        case TraceOutcome::deferred:
        case TraceOutcome::bounced:
        case TraceOutcome::rejected:
            return true;
        default:
            return false;
    }
}

bool is_hop(const TraceEvent& e) {
    // The attempt itself; its outcome (refused, timed out) and the close are not new hops.
    return e.kind == TraceKind::connect && e.outcome == TraceOutcome::none && !e.connect.empty();
}

bool is_dsn(const TraceEvent& e) { return e.phase == TracePhase::dsn; }

bool is_capability_line(const TraceEvent& e) {
    return e.kind == TraceKind::reply && e.phase == TracePhase::ehlo && e.reply_line >= 1;
}

std::optional<std::size_t> jump_target(const sim::Simulation& sim, JumpKind kind, int dir) {
    const auto& steps = sim.timeline().steps();
    const std::size_t total = steps.size(), now = sim.step();
    if (kind == JumpKind::end) {
        const std::size_t to = dir >= 0 ? total : 0;
        return to == now ? std::nullopt : std::optional<std::size_t>(to);
    }
    auto wanted = [&](const TraceEvent& e) {
        switch (kind) {
            case JumpKind::failure: return is_failure(e);
            case JumpKind::hop: return is_hop(e);
            case JumpKind::dsn: return is_dsn(e);
            case JumpKind::end: return false;
        }
        return false;
    };
    // Step n shows steps[n - 1]. A run of matching steps (a multi-line 4xx reply, a
    // bounce's lines) counts once: the jump lands on its first line.
    auto starts_run = [&](std::size_t n) {
        return wanted(steps[n - 1].event) && (n == 1 || !wanted(steps[n - 2].event));
    };
    if (dir >= 0) {
        for (std::size_t n = now + 1; n <= total; ++n)
            if (starts_run(n)) return n;
    } else {
        for (std::size_t n = now; n-- > 1;)
            if (starts_run(n)) return n;
    }
    return std::nullopt;
}

}  // namespace relaylab::ui
