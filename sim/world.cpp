// The world's event loop on the virtual clock, its failure switches, and run_world().
#include "sim/world.hpp"

#include "engine/ascii.hpp"
#include "sim/world_impl.hpp"

namespace relaylab::sim {

bool switch_on(const Scenario& scenario, const SwitchOverrides& overrides, const std::string& name) {
    if (auto it = overrides.find(name); it != overrides.end()) return it->second;
    for (const auto& sw : scenario.switches)
        if (sw.name == name) return sw.on;
    return false;
}

std::string domain_of(std::string_view address) {
    auto at = address.rfind('@');
    return at == std::string_view::npos ? std::string() : ascii_lowercase(address.substr(at + 1));
}

Path scenario_path(std::string_view address) {
    if (address.empty()) return Path{true, {}, {}};
    const std::string wire = "<" + std::string(address) + ">";
    if (auto p = parse_forward_path(wire, true)) return p.value;
    // Not a valid address: keep it as written so that the server refuses it on the wire.
    Path p;
    auto at = address.rfind('@');
    p.mailbox.local_part = std::string(address.substr(0, at));
    if (at != std::string_view::npos) p.mailbox.domain = std::string(address.substr(at + 1));
    return p;
}

World::World(const Scenario& scenario, const SwitchOverrides& overrides, std::uint64_t seed)
    : sc_(scenario), seed_(seed) {
    for (const auto& h : sc_.hosts) {
        HostRt rt;
        rt.spec = &h;
        DeliveryPolicy& d = rt.delivery;
        d.hostname = h.name;
        d.local_domains = h.local_domains;
        d.tls_required_domains = h.tls_required_domains;
        for (const auto& r : h.routes) d.routes.push_back(StaticRoute{ascii_lowercase(r.domain), r.via, 25});
        d.retry.max_lifetime_ms = h.queue_lifetime_ms;
        if (d.retry.delay_warning_ms && *d.retry.delay_warning_ms >= d.retry.max_lifetime_ms)
            d.retry.delay_warning_ms.reset();
        hosts_.emplace(h.name, std::move(rt));
    }
    for (const auto& sw : sc_.switches) {
        if (!switch_on(sc_, overrides, sw.name)) continue;
        for (const auto& e : sw.effects) apply_effect(e);
    }
    statuses_ = initial_statuses(sc_);
    for (const auto& m : sc_.messages)
        for (const auto& rcpt : m.to) rcpt_status_[m.id][ascii_lowercase(rcpt)] = {};
}

RunResult World::run() {
    Step intro;
    intro.event.kind = TraceKind::note;
    intro.event.text = "scenario \"" + sc_.name + "\" starts";
    intro.event.explain = sc_.description;
    intro.event.phase = TracePhase::intro;
    intro.topic = Topic::intro;
    steps_.push_back(std::move(intro));
    for (std::size_t i = 0; i < sc_.messages.size(); ++i) {
        const MessageSpec* m = &sc_.messages[i];
        at(m->at_ms, [this, m] { start_submission(*m); });
    }
    while (!events_.empty()) {
        Ev ev = events_.top();
        events_.pop();
        if (ev.t > sc_.end_ms) break;
        now_ = ev.t;
        ev.fn();
    }
    RunResult result;
    result.steps = std::move(steps_);
    result.messages = statuses_;
    result.end_ms = now_;
    result.wire = std::move(wire_);
    locate_wire_spans(result.steps, result.wire);
    return result;
}

HostRt* World::host(std::string_view name) {
    auto it = hosts_.find(std::string(name));
    return it == hosts_.end() ? nullptr : &it->second;
}

void World::apply_effect(const EffectSpec& e) {
    HostRt* h = host(e.host);
    switch (e.type) {
        case EffectType::host_down: if (h) h->down = true; break;
        case EffectType::host_silent: if (h) h->silent = true; break;
        case EffectType::greylisting: if (h) h->greylisting = true; break;
        case EffectType::mailbox_full: if (h) h->mailbox_full = true; break;
        case EffectType::rate_limit: if (h) h->rate_limit = true; break;
        case EffectType::size_limit: if (h) h->size_limit = e.bytes; break;
        case EffectType::tls:
            if (h) h->tls = e.result == "untrusted" ? TlsOutcome::untrusted : TlsOutcome::handshake_failure;
            break;
        case EffectType::tls_required:
            if (h) h->delivery.tls_required_domains.push_back(ascii_lowercase(e.domain));
            break;
        case EffectType::dns: dns_failures_.push_back(e); break;
        case EffectType::wrong_password: wrong_password_.insert(e.message); break;
        case EffectType::skip_starttls: skip_starttls_.insert(e.message); break;
        case EffectType::skip_auth: skip_auth_.insert(e.message); break;
    }
}

std::vector<MessageStatus> initial_statuses(const Scenario& scenario) {
    std::vector<MessageStatus> out;
    for (const auto& m : scenario.messages) {
        MessageStatus s;
        s.id = m.id;
        s.from = m.from;
        s.to = m.to;
        out.push_back(s);
    }
    return out;
}

RunResult run_world(const Scenario& scenario, const SwitchOverrides& overrides, std::uint64_t seed) {
    World world(scenario, overrides, seed);
    return world.run();
}

}  // namespace relaylab::sim
