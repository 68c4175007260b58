#include "native/live_hub.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace relaylab::native {

// ---- LiveFeed ----

std::shared_ptr<LiveFeed::Viewer> LiveFeed::attach(std::function<void()> wake) {
    auto v = std::make_shared<Viewer>();
    v->wake = std::move(wake);
    viewers_.push_back(v);
    return v;
}

void LiveFeed::detach(const std::shared_ptr<Viewer>& viewer) {
    std::erase(viewers_, viewer);
}

void LiveFeed::publish(const LiveText& text) {
    for (const auto& v : viewers_) {
        if (v->pending.size() >= max_events_ || v->bytes + text->size() > max_bytes_) {
            ++v->missed;  // full: this viewer loses the event, and will be told
            continue;
        }
        const bool was_empty = v->pending.empty();
        v->pending.push_back(text);
        v->bytes += text->size();
        if (was_empty && v->wake) v->wake();
    }
}

std::vector<LiveText> LiveFeed::take(Viewer& viewer) {
    std::vector<LiveText> out(viewer.pending.begin(), viewer.pending.end());
    viewer.pending.clear();
    viewer.bytes = 0;
    if (viewer.missed > 0) {  // caught up: say how much was lost, where it was lost
        out.push_back(std::make_shared<const std::string>(R"({"type":"missed","count":)" +
                                                          std::to_string(viewer.missed) + "}"));
        viewer.missed = 0;
    }
    return out;
}

// ---- LiveRing ----

LiveRing::Entry* LiveRing::find(const std::string& session) {
    auto it = by_id_.find(session);
    if (it == by_id_.end()) return nullptr;
    return &sessions_.at(it->second);
}

void LiveRing::evict_oldest() {
    auto it = sessions_.begin();
    Entry& e = it->second;
    bytes_ -= e.bytes;
    by_id_.erase(e.info.id);
    for (const std::string& m : e.info.messages) {
        auto [b, end] = by_message_.equal_range(m);
        for (auto k = b; k != end;) k = k->second == it->first ? by_message_.erase(k) : std::next(k);
    }
    sessions_.erase(it);
}

void LiveRing::open(const LiveSessionInfo& info) {
    if (max_sessions_ == 0 || by_id_.count(info.id)) return;
    while (sessions_.size() >= max_sessions_) evict_oldest();
    const std::uint64_t seq = next_seq_++;
    Entry& e = sessions_[seq];
    e.info = info;
    by_id_[info.id] = seq;
    for (const std::string& m : info.messages) by_message_.emplace(m, seq);
}

void LiveRing::add_event(const std::string& session, const LiveText& text) {
    Entry* e = find(session);
    if (!e) return;
    if (e->events.size() >= max_session_events_) {  // one endless session cannot take the ring
        e->truncated = true;
        return;
    }
    e->events.push_back(text);
    e->bytes += text->size();
    bytes_ += text->size();
    // Over the byte bound: the oldest sessions go, but never the one being written.
    while (bytes_ > max_bytes_ && sessions_.begin()->second.info.id != session) evict_oldest();
}

void LiveRing::add_message(const std::string& session, const std::string& message) {
    Entry* e = find(session);
    if (!e || std::find(e->info.messages.begin(), e->info.messages.end(), message) != e->info.messages.end())
        return;
    e->info.messages.push_back(message);
    by_message_.emplace(message, by_id_.at(session));
}

void LiveRing::set_status(const std::string& session, const std::string& status) {
    if (Entry* e = find(session)) e->info.status = status;
}

std::vector<const LiveSessionInfo*> LiveRing::list() const {
    std::vector<const LiveSessionInfo*> out;
    for (auto it = sessions_.rbegin(); it != sessions_.rend(); ++it) out.push_back(&it->second.info);
    return out;
}

const LiveSessionInfo* LiveRing::info(const std::string& session) const {
    auto it = by_id_.find(session);
    return it == by_id_.end() ? nullptr : &sessions_.at(it->second).info;
}

const std::vector<LiveText>* LiveRing::events(const std::string& session) const {
    auto it = by_id_.find(session);
    return it == by_id_.end() ? nullptr : &sessions_.at(it->second).events;
}

std::vector<std::string> LiveRing::sessions_of(const std::string& message) const {
    std::vector<std::uint64_t> seqs;
    auto [b, end] = by_message_.equal_range(message);
    for (auto k = b; k != end; ++k) seqs.push_back(k->second);
    std::sort(seqs.begin(), seqs.end());
    std::vector<std::string> out;
    for (std::uint64_t s : seqs) out.push_back(sessions_.at(s).info.id);
    return out;
}

// ---- LiveHub ----

std::string live_session_json(const LiveSessionInfo& info) {
    nlohmann::ordered_json j{{"type", "session"},     {"id", info.id},         {"role", info.role},
                             {"peer", info.peer},     {"started", info.started}, {"status", info.status},
                             {"messages", info.messages}};
    return j.dump();
}

void LiveHub::session_changed(const std::string& session) {
    if (live_.empty()) return;
    if (const LiveSessionInfo* info = ring_.info(session))
        live_.publish(std::make_shared<const std::string>(live_session_json(*info)));
}

void LiveHub::open(const LiveSessionInfo& info) {
    ring_.open(info);
    session_changed(info.id);
}

void LiveHub::event(const std::string& session, std::string json) {
    auto text = std::make_shared<const std::string>(std::move(json));
    ring_.add_event(session, text);
    live_.publish(text);
}

void LiveHub::add_message(const std::string& session, const std::string& message) {
    ring_.add_message(session, message);
    session_changed(session);
}

void LiveHub::close(const std::string& session, const std::string& status) {
    ring_.set_status(session, status);
    session_changed(session);
}

std::string LiveHub::hello() const {
    std::string s = R"({"type":"hello","sessions":[)";
    const auto list = ring_.list();
    for (std::size_t i = 0; i < list.size(); ++i) s += (i ? "," : "") + live_session_json(*list[i]);
    s += R"(],"events":[)";
    bool first = true;
    for (auto it = list.rbegin(); it != list.rend(); ++it)  // oldest session first
        for (const LiveText& e : *ring_.events((*it)->id)) {
            s += first ? "" : ",";
            s += *e;
            first = false;
        }
    s += "]}";
    return s;
}

}  // namespace relaylab::native
