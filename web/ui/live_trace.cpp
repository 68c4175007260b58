#include "web/ui/live_trace.hpp"

#include <algorithm>
#include <set>

#include "engine/queue_model.hpp"

namespace relaylab::ui {

namespace {

using json = sim::Json;

std::string str(const json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
std::int64_t num(const json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_number() ? it->get<std::int64_t>() : 0;
}

RecipientState recipient_state_of(TraceOutcome o) {
    switch (o) {
        case TraceOutcome::delivered: return RecipientState::delivered;
        case TraceOutcome::captured: return RecipientState::delivered;  // the sandbox kept it: done here
        case TraceOutcome::relayed: return RecipientState::relayed;
        case TraceOutcome::deferred: return RecipientState::deferred;
        case TraceOutcome::bounced: return RecipientState::bounced;
        default: return RecipientState::queued;
    }
}

sim::Purpose purpose_of(const std::string& role) {
    if (role == "outbound") return sim::Purpose::delivery;
    if (role == "smtp") return sim::Purpose::relay;
    return sim::Purpose::submission;
}

}  // namespace

LiveSession& LiveTrace::session(const std::string& id) {
    auto [it, fresh] = sessions_.try_emplace(id);
    if (fresh) {
        it->second.id = id;
        it->second.order = next_order_++;
        if (sessions_.size() > k_max_sessions) {  // the oldest arrival goes
            auto oldest = std::min_element(sessions_.begin(), sessions_.end(), [](const auto& a, const auto& b) {
                return a.second.order < b.second.order;
            });
            if (oldest != it) sessions_.erase(oldest);
        }
    }
    return it->second;
}

void LiveTrace::add_event(const json& j) {
    // The one reader of step objects (sim/step_json.hpp); a line it cannot read is left out.
    sim::StepRead read = sim::read_step_json(j);
    if (!read.record || read.record->session.empty()) return;
    sim::StepRecord& r = *read.record;
    LiveSession& s = session(r.session);
    if (s.role.empty()) s.role = r.role;
    if (s.peer.empty()) s.peer = r.peer;
    if (!r.queue_id.empty() && std::find(s.messages.begin(), s.messages.end(), r.queue_id) == s.messages.end())
        s.messages.push_back(r.queue_id);
    s.records.push_back(std::move(r));
}

void LiveTrace::apply(const json& m) {
    const std::string type = str(m, "type");
    if (type == "hello") {
        if (const auto it = m.find("sessions"); it != m.end() && it->is_array())
            for (auto k = it->rbegin(); k != it->rend(); ++k) apply(*k);  // oldest first
        if (const auto it = m.find("events"); it != m.end() && it->is_array())
            for (const auto& e : *it) add_event(e);
    } else if (type == "session") {
        LiveSession& s = session(str(m, "id"));
        s.role = str(m, "role");
        s.peer = str(m, "peer");
        s.started = num(m, "started");
        s.status = str(m, "status");
        if (const auto it = m.find("messages"); it != m.end() && it->is_array()) {
            s.messages.clear();
            for (const auto& q : *it)
                if (q.is_string()) s.messages.push_back(q.get<std::string>());
        }
        // All of its events (the relay's ring): they replace those seen, so a session fetched
        // again is not doubled.
        if (const auto it = m.find("events"); it != m.end() && it->is_array()) {
            s.records.clear();
            for (const auto& e : *it)
                if (str(e, "session") == s.id) add_event(e);
        }
    } else if (type == "event") {
        add_event(m);
    } else if (type == "missed") {
        missed_ += static_cast<std::uint64_t>(num(m, "count"));
    }
    ++generation_;
}

bool LiveTrace::feed(const json& message) {
    if (!message.is_object() || str(message, "type").empty()) return false;
    if (paused_) waiting_.push_back(message);
    else apply(message);
    return true;
}

void LiveTrace::set_paused(bool on) {
    paused_ = on;
    if (on) return;
    std::vector<json> w;
    w.swap(waiting_);
    for (const auto& m : w) apply(m);
}

std::vector<const LiveSession*> LiveTrace::sessions(const std::string& filter) const {
    std::vector<const LiveSession*> out;
    for (const auto& [id, s] : sessions_) {
        bool match = filter.empty() || s.peer.find(filter) != std::string::npos || s.status.find(filter) == 0 ||
                     s.role == filter || s.id == filter;
        for (const auto& q : s.messages) match = match || q == filter;
        for (std::size_t i = 0; !match && i < s.records.size(); ++i) {
            const TraceEvent& e = s.records[i].step.event;
            match = e.kind == TraceKind::command && e.text.find(filter) != std::string::npos;
        }
        if (match) out.push_back(&s);
    }
    std::sort(out.begin(), out.end(), [](const LiveSession* a, const LiveSession* b) {
        return a->started != b->started ? a->started > b->started : a->order > b->order;
    });
    return out;
}

const LiveSession* LiveTrace::find(const std::string& id) const {
    auto it = sessions_.find(id);
    return it == sessions_.end() ? nullptr : &it->second;
}

json LiveTrace::summary(const LiveSession& s) {
    return json{{"id", s.id},         {"role", s.role},       {"peer", s.peer},
                {"started", s.started}, {"status", s.status}, {"messages", s.messages}};
}

std::vector<const LiveSession*> LiveTrace::parts(const std::string& id) const {
    std::vector<const LiveSession*> out;
    if (const LiveSession* s = find(id)) {
        out.push_back(s);
    } else {
        for (const auto& [sid, s] : sessions_)
            if (std::find(s.messages.begin(), s.messages.end(), id) != s.messages.end()) out.push_back(&s);
    }
    return out;
}

std::vector<LiveTrace::Merged> LiveTrace::merged(const std::vector<const LiveSession*>& parts) {
    std::vector<Merged> items;
    for (std::size_t p = 0; p < parts.size(); ++p)
        for (std::size_t i = 0; i < parts[p]->records.size(); ++i)
            items.push_back({p, i, parts[p]->records[i].at_ms.value_or(0)});
    std::stable_sort(items.begin(), items.end(), [](const Merged& a, const Merged& b) { return a.at < b.at; });
    return items;
}

std::vector<sim::ObservedEvent> LiveTrace::observed(const std::string& id) const {
    const auto shown = parts(id);
    std::vector<sim::ObservedEvent> out;
    for (const Merged& m : merged(shown)) out.push_back(sim::observed_event(shown[m.part]->records[m.index]));
    return out;
}

std::unique_ptr<sim::Simulation> LiveTrace::simulation(const std::string& id) const {
    // The sessions shown: this one, or every one that carried the message `id`.
    const std::vector<const LiveSession*> parts = this->parts(id);
    if (parts.empty()) return nullptr;
    const std::vector<Merged> items = merged(parts);

    sim::Scenario sc;
    sc.name = "live:" + id;
    sc.title = parts.size() == 1 ? "Live: " + parts[0]->role + " session " + id + " (" + parts[0]->peer + ")"
                                 : "Live: the route of message " + id;
    sc.description = "Recorded on the relay serving this page: what its engine did, as it happened.";
    std::set<std::string> named;
    auto host = [&](const std::string& name, sim::HostKind kind) {
        if (name.empty() || name == "dns" || name.find('@') != std::string::npos || !named.insert(name).second) return;
        sim::HostSpec h;
        h.name = name;
        h.kind = kind;
        sc.hosts.push_back(h);
    };
    std::vector<sim::Step> steps;
    std::vector<sim::MessageStatus> initial;
    std::map<std::string, sim::MessageStatus> status;
    std::map<std::string, sim::QueueEntryView> queue;
    const std::int64_t origin = items.empty() ? 0 : items.front().at;
    std::vector<bool> opened(parts.size(), false);
    std::vector<sim::ConnectionView> conns(parts.size());
    for (const Merged& it : items) {
        const LiveSession& s = *parts[it.part];
        const sim::StepRecord& r = s.records[it.index];
        sim::Step step = r.step;
        step.message = r.queue_id.empty() ? r.step.message : r.queue_id;
        step.event.t_ms = it.at - origin;
        step.connection = s.role == "queue" ? -1 : static_cast<int>(it.part) + 1;
        const TraceEvent& e = step.event;
        // Hosts: the relay is the side that is not the peer.
        if (s.role == "outbound") {
            host(e.kind == TraceKind::command ? e.from : e.to, sim::HostKind::relay);
            host(s.peer, sim::HostKind::mx);
        } else if (s.role != "queue") {
            host(s.peer, sim::HostKind::client);
            host(e.kind == TraceKind::command ? e.to : e.from, sim::HostKind::relay);
        } else {
            host(e.from == "dns" ? e.to : e.from, sim::HostKind::relay);
        }
        if (step.connection > 0 && (!opened[it.part] || e.note == TraceNote::tls_established ||
                                    (e.kind == TraceKind::tls && e.outcome == TraceOutcome::ok))) {
            sim::ConnectionView c;
            c.id = step.connection;
            const bool out = s.role == "outbound";
            c.client = out ? (e.kind == TraceKind::command ? e.from : e.to) : s.peer;
            c.server = out ? s.peer : (e.kind == TraceKind::command ? e.to : e.from);
            c.purpose = purpose_of(s.role);
            c.tls = s.role == "submissions" || e.note == TraceNote::tls_established ||
                    (e.kind == TraceKind::tls && e.outcome == TraceOutcome::ok);
            c.open = true;
            opened[it.part] = true;
            conns[it.part] = c;
            step.changes.push_back(sim::SetConnection{c});
        }
        if (e.kind == TraceKind::dns_answer && !e.dns.empty()) {
            step.changes.push_back(sim::AddDnsRecord{sim::dns_record_view(e.t_ms, e.to, e.dns)});
        }
        if (!step.message.empty()) {
            if (!status.count(step.message)) {
                sim::MessageStatus m;
                m.id = step.message;
                status[m.id] = m;
                initial.push_back(m);
            }
            if (s.role == "queue" && (e.kind == TraceKind::queue || e.kind == TraceKind::delivery)) {
                sim::QueueEntryView& q = queue[step.message];
                q.queue_id = q.message = step.message;
                q.host = e.from;
                if (e.kind == TraceKind::delivery && e.phase != TracePhase::dsn && !e.to.empty()) {
                    auto r = std::find_if(q.recipients.begin(), q.recipients.end(),
                                          [&](const sim::RecipientView& v) { return v.address == e.to; });
                    if (r == q.recipients.end()) {
                        q.recipients.push_back({});
                        r = q.recipients.end() - 1;
                        r->address = e.to;
                    }
                    r->state = recipient_state_of(e.outcome);
                    ++r->attempts;
                    r->last_reply = e.text;
                    // The relay's next try, on this view's clock (the route's first event is 0).
                    const auto& next = s.records[it.index].next_attempt_at_ms;
                    r->next_attempt_ms = r->state == RecipientState::deferred && next ? *next - origin : -1;
                    sim::MessageStatus& m = status[step.message];
                    // The worst recipient's fate (docs/trace-format.md, Message JSON).
                    auto rank = [](sim::MessageState st) {
                        switch (st) {
                            case sim::MessageState::delivered: return 0;
                            case sim::MessageState::relayed: return 1;
                            case sim::MessageState::pending: return 2;
                            case sim::MessageState::deferred: return 3;
                            case sim::MessageState::bounced: return 4;
                            default: return 5;
                        }
                    };
                    m.status = sim::MessageState::delivered;
                    for (const auto& v : q.recipients) {
                        const sim::MessageState st =
                            v.state == RecipientState::delivered ? sim::MessageState::delivered
                            : v.state == RecipientState::relayed ? sim::MessageState::relayed
                            : v.state == RecipientState::deferred ? sim::MessageState::deferred
                            : v.state == RecipientState::bounced ? sim::MessageState::bounced
                                                                 : sim::MessageState::pending;
                        if (rank(st) > rank(m.status)) m.status = st;
                    }
                    m.code = e.code;
                    m.enhanced = e.enhanced;
                    m.final_host = e.from;
                    if (e.outcome == TraceOutcome::deferred) ++m.deferrals;
                    step.changes.push_back(sim::SetMessageStatus{m});
                }
                step.changes.push_back(sim::SetQueueEntry{q});
            }
        }
        steps.push_back(std::move(step));
    }
    // The end of each finished session closes its connection.
    for (std::size_t p = 0; p < parts.size(); ++p) {
        if (parts[p]->status == "open" || parts[p]->role == "queue" || !opened[p]) continue;
        for (auto k = steps.rbegin(); k != steps.rend(); ++k) {
            if (k->connection != static_cast<int>(p) + 1) continue;
            sim::ConnectionView c = conns[p];
            c.open = false;
            k->changes.push_back(sim::SetConnection{c});
            break;
        }
    }
    return std::make_unique<sim::Simulation>(std::move(sc), std::move(steps), std::move(initial));
}

}  // namespace relaylab::ui
