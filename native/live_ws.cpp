// The live view's WebSockets (live_ws.hpp). One writer loop per viewer drains its bounded
// buffer (LiveFeed::take) and sleeps on a timer the feed cancels when a text arrives; one
// reader loop answers control frames and notices the close. A slow viewer only fills its
// own buffer: the relay never waits for it.
#include "native/live_ws.hpp"

#include "native/log.hpp"

namespace relaylab::native {

namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;

namespace {

struct LiveSocket {
    LiveSocket(beast::tcp_stream&& s, net::any_io_executor ex) : ws(std::move(s)), wake(ex) {}
    websocket::stream<beast::tcp_stream> ws;
    net::steady_timer wake;
    bool closed = false;
};

// Reads (and drops) what the viewer sends, so control frames are answered and a close or a
// dead peer ends the writer too.
awaitable<void> live_reader(std::shared_ptr<LiveSocket> s) {
    beast::flat_buffer buf;
    boost::system::error_code ec;
    while (!ec) {
        co_await s->ws.async_read(buf, net::redirect_error(use_awaitable, ec));
        buf.clear();
    }
    s->closed = true;
    s->wake.cancel();
}

}  // namespace

awaitable<void> Relay::live_upgrade(LiveUpgrade& up) {
    auto s = std::make_shared<LiveSocket>(std::move(up.stream), io_.get_executor());
    beast::get_lowest_layer(s->ws).expires_never();
    s->ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    s->ws.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(beast::http::field::server, "relaylab"); }));
    s->ws.read_message_max(64 * 1024);
    boost::system::error_code ec;
    co_await s->ws.async_accept(up.request, net::redirect_error(use_awaitable, ec));
    if (ec) co_return;
    using Kind = LiveUpgrade::Kind;
    if (up.kind == Kind::inbox && !live_inbox_hooked_) {  // Mailpit's events: the inbox hook feeds them (inbox.cpp)
        live_inbox_hooked_ = true;
        add_inbox_listener([this](const std::string& ev) {
            if (!live_.inbox().empty()) live_.inbox().publish(std::make_shared<const std::string>(ev));
        });
    }
    // The feed followed (a room's lives as long as one of its followers does), and the first
    // message: the live view's backlog, a room's current state.
    std::shared_ptr<LiveFeed> feed;
    std::string hello;
    if (up.kind == Kind::live) {
        feed = std::shared_ptr<LiveFeed>(std::shared_ptr<void>(), &live_.live());
        hello = live_.hello();
    } else if (up.kind == Kind::inbox) {
        feed = std::shared_ptr<LiveFeed>(std::shared_ptr<void>(), &live_.inbox());
    } else if (Room* room = rooms_.find(up.room)) {
        feed = room->followers;
        hello = Rooms::state_json(*room);
    } else {
        co_return;  // the room is gone
    }
    LiveSocket* raw = s.get();
    auto viewer = feed->attach([raw] { raw->wake.cancel(); });
    log_event("live-viewer", {{"path", up.kind == Kind::live ? "/api/v1/live" : up.kind == Kind::inbox ? "/api/events" : "room " + up.room},
                              {"viewers", std::to_string(feed->size())}});
    net::co_spawn(io_, live_reader(s), net::detached);
    s->ws.text(true);
    if (!hello.empty()) {
        co_await s->ws.async_write(net::buffer(hello), net::redirect_error(use_awaitable, ec));
        if (ec) s->closed = true;
    }
    while (!s->closed) {
        std::vector<LiveText> texts = LiveFeed::take(*viewer);
        if (texts.empty()) {
            s->wake.expires_at(steady::time_point::max());
            co_await s->wake.async_wait(net::redirect_error(use_awaitable, ec));
            continue;
        }
        for (const LiveText& t : texts) {
            co_await s->ws.async_write(net::buffer(*t), net::redirect_error(use_awaitable, ec));
            if (ec) {
                s->closed = true;
                break;
            }
        }
    }
    feed->detach(viewer);
    if (s->ws.is_open()) {
        boost::system::error_code ignored;
        beast::get_lowest_layer(s->ws).socket().shutdown(tcp::socket::shutdown_both, ignored);
    }
}

}  // namespace relaylab::native
