// The captured-mail inbox on the relay: Mailpit's REST API (native/mailpit_api.hpp) over the
// capture and local Maildirs, the events announcing new and changed messages, and the release
// of a captured message through the relay's own queue. A released message is committed to the
// spool like any other (so it survives a restart and retries by the engine's schedule) and
// marked so the queue delivers it by sandbox.release_via instead of capturing it again.
#include <cstring>

#include "engine/content_scan.hpp"
#include "native/log.hpp"
#include "native/relay.hpp"

namespace relaylab::native {

void Relay::setup_inbox() {
    started_ms_ = wall_ms();
    release_policy_ = delivery_;
    release_policy_.routes.clear();
    if (cfg_.sandbox.release_via != "mx") {
        StaticRoute r;
        r.domain = "*";
        split_host_port(cfg_.sandbox.release_via, r.host, r.port);  // checked by the config
        release_policy_.routes.push_back(r);
    }
    inbox_store_ = std::make_unique<MaildirInbox>(cfg_.state_dir);
    ApiSettings settings;
    settings.version = RELAYLAB_VERSION;
    settings.database = cfg_.state_dir;
    settings.release_allowed = cfg_.sandbox.release_allowed;
    settings.release_via = cfg_.sandbox.release_via;
    settings.runtime_stats = [this] {
        ApiSettings::RuntimeStats s;
        s.uptime_s = static_cast<std::uint64_t>((wall_ms() - started_ms_) / 1000);
        s.accepted = m_.messages_accepted;
        s.accepted_size = m_.bytes_accepted;
        s.rejected = m_.messages_rejected_storage;
        return s;
    };
    inbox_api_ = std::make_unique<MailpitApi>(*inbox_store_, std::move(settings));
}

void Relay::publish_inbox_events(const std::vector<std::string>& events) {
    for (const std::string& ev : events)
        for (auto& listener : inbox_listeners_) listener(ev);
}

void Relay::inbox_stored(const std::string& path) {
    // Reading the new message costs a parse: only when someone listens.
    if (!inbox_api_ || inbox_listeners_.empty()) return;
    if (auto entry = inbox_store_->entry_at(path)) {
        const std::string ev = inbox_api_->new_message_event(*entry);
        if (!ev.empty()) publish_inbox_events({ev});
    }
}

awaitable<int> Relay::queue_release(const ReleaseRequest& release) {
    QEntry e;
    Path sender;
    sender.null = true;
    if (!release.sender.empty()) {
        auto p = parse_reverse_path("<" + release.sender + ">", true);
        if (p) sender = p.value;
    }
    MailParams params;
    bool utf8 = contains_8bit(release.sender);
    for (const std::string& to : release.to) utf8 = utf8 || contains_8bit(to);
    params.smtputf8 = utf8;  // RFC 6531 §3.4: non-ASCII addresses need SMTPUTF8
    e.q = queued_message(new_queue_id(), sender, params, wall_ms());
    e.q.content_8bit = contains_8bit(release.content);
    for (const std::string& to : release.to) {
        auto p = parse_forward_path("<" + to + ">", true);  // checked by the API
        if (p) e.q.recipients.push_back(queued_recipient(p.value, RcptParams{}));
    }
    if (e.q.recipients.empty()) co_return EINVAL;
    e.info.client_ip = "api";
    e.info.size = release.content.size();
    e.info.release = true;
    const QueuedMessage& q = e.q;
    const SpoolInfo& si = e.info;
    const std::string& text = release.content;
    auto job = [&] { return spool_.commit(q, si, text); };
    const int err = co_await blocking(job);
    if (err) co_return err;
    std::string to_list;
    for (const std::string& to : release.to) to_list += (to_list.empty() ? "" : ",") + to;
    log_event("release", {{"id", e.q.id}, {"message", release.id}, {"to", to_list}, {"via", cfg_.sandbox.release_via}});
    const std::string id = e.q.id;
    queue_[id] = std::move(e);
    kick(id);
    co_return 0;
}

awaitable<std::optional<ApiResponse>> Relay::inbox_request(std::string method, std::string target, std::string body) {
    if (!inbox_api_) co_return std::nullopt;
    std::optional<ApiResponse> r = inbox_api_->handle(method, target, body);
    if (r && r->release) {
        const ReleaseRequest& rel = *r->release;
        const int err = co_await queue_release(rel);
        if (err) *r = MailpitApi::error(503, std::string("the release could not be queued: ") + std::strerror(err));
    }
    if (r) publish_inbox_events(r->events);
    co_return r;
}

}  // namespace relaylab::native
