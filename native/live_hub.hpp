#pragma once
// The live view's bookkeeping, without sockets (the WebSockets are native/live_ws.cpp):
//   LiveFeed  fan-out of JSON texts to viewers, each with a bounded buffer. A slow viewer
//             never slows the relay: when its buffer is full, events are dropped for it and
//             counted, and it gets {"type":"missed","count":N} once it has caught up.
//   LiveRing  the recent sessions and their events (bounded in sessions and bytes), so a new
//             viewer starts with a backlog and the Inbox finds the transcript of a message.
//   LiveHub   both, plus the cheap question asked before any per-event JSON work: does
//             anyone want events now (a viewer, or the ring in sandbox mode)?
// Everything runs on the relay's I/O thread: no locks.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace relaylab::native {

using LiveText = std::shared_ptr<const std::string>;  // one JSON text, shared by every viewer

class LiveFeed {
public:
    struct Viewer {
        std::deque<LiveText> pending;
        std::size_t bytes = 0;
        std::uint64_t missed = 0;    // dropped since the last catch-up
        std::function<void()> wake;  // called when pending was empty and a text arrives
    };
    LiveFeed(std::size_t max_events, std::size_t max_bytes) : max_events_(max_events), max_bytes_(max_bytes) {}
    std::shared_ptr<Viewer> attach(std::function<void()> wake);
    void detach(const std::shared_ptr<Viewer>& viewer);
    bool empty() const { return viewers_.empty(); }
    std::size_t size() const { return viewers_.size(); }
    void publish(const LiveText& text);
    // What the viewer should send now, in order: its buffered texts, then (only once the buffer
    // is empty, i.e. it has caught up) {"type":"missed","count":N} if anything was dropped.
    static std::vector<LiveText> take(Viewer& viewer);

private:
    std::size_t max_events_, max_bytes_;
    std::vector<std::shared_ptr<Viewer>> viewers_;
};

// What the page's session list shows (relaylab.live.sessions()).
struct LiveSessionInfo {
    std::string id;    // "in-12", "out-3", "q-<queue id>"
    std::string role;  // smtp | submission | submissions | outbound | queue
    std::string peer;  // the client's or server's address, or the queue id
    std::int64_t started = 0;         // wall clock, ms since the epoch
    std::string status = "open";      // open, closed, or the queue's final word
    std::vector<std::string> messages;  // queue ids of the messages it carried
};

class LiveRing {
public:
    LiveRing(std::size_t max_sessions, std::size_t max_bytes, std::size_t max_session_events)
        : max_sessions_(max_sessions), max_bytes_(max_bytes), max_session_events_(max_session_events) {}
    void open(const LiveSessionInfo& info);  // the oldest sessions go when over a bound
    void add_event(const std::string& session, const LiveText& text);  // ignored for unknown sessions
    void add_message(const std::string& session, const std::string& message);
    void set_status(const std::string& session, const std::string& status);
    std::vector<const LiveSessionInfo*> list() const;  // newest first
    const LiveSessionInfo* info(const std::string& session) const;
    const std::vector<LiveText>* events(const std::string& session) const;
    // The sessions that carried a message (its queue id), oldest first: the submission, the
    // queue's own thread, each outbound session.
    std::vector<std::string> sessions_of(const std::string& message) const;
    std::size_t size() const { return sessions_.size(); }
    std::size_t bytes() const { return bytes_; }

private:
    struct Entry {
        LiveSessionInfo info;
        std::vector<LiveText> events;
        std::size_t bytes = 0;
        bool truncated = false;
    };
    Entry* find(const std::string& session);
    void evict_oldest();
    std::size_t max_sessions_, max_bytes_, max_session_events_;
    std::size_t bytes_ = 0;
    std::uint64_t next_seq_ = 0;
    std::map<std::uint64_t, Entry> sessions_;        // by opening order
    std::map<std::string, std::uint64_t> by_id_;     // session id → seq
    std::multimap<std::string, std::uint64_t> by_message_;  // queue id → seq
};

class LiveHub {
public:
    LiveHub() : live_(4096, 4u << 20), events_(1024, 1u << 20), ring_(200, 4u << 20, 4000) {}
    // Sandbox mode: every session goes into the ring, watched or not.
    void keep_all(bool on) { keep_ = on; }
    // THE cheap check before any per-event work.
    bool tracing() const { return keep_ || !live_.empty(); }

    void open(const LiveSessionInfo& info);
    void event(const std::string& session, std::string json);
    void add_message(const std::string& session, const std::string& message);
    void close(const std::string& session, const std::string& status);

    LiveFeed& live() { return live_; }       // GET /api/v1/live
    LiveFeed& inbox() { return events_; }    // GET /api/events (Mailpit)
    const LiveRing& ring() const { return ring_; }
    // {"type":"hello","sessions":[…],"events":[…]}: the backlog a new viewer starts with.
    std::string hello() const;

private:
    void session_changed(const std::string& session);
    bool keep_ = false;
    LiveFeed live_, events_;
    LiveRing ring_;  // every traced session (all of them in sandbox mode; else while watched)
};

// {"type":"session","id","role","peer","started","status","messages"}: what
// relaylab.live.sessions() lists, sent when a session opens, carries a message, closes.
std::string live_session_json(const LiveSessionInfo& info);

}  // namespace relaylab::native
