#pragma once
// Shared by the three files of ServerSession (server_session.cpp, server_commands.cpp,
// server_message.cpp) and by nothing else: state bit sets for the command table, and the
// event emitter every verb uses.
#include <cstdint>
#include <type_traits>
#include <utility>
#include <variant>

#include "engine/server_session.hpp"

namespace relaylab {

constexpr std::uint16_t state_bit(ServerState s) { return static_cast<std::uint16_t>(1u << static_cast<unsigned>(s)); }

// States in which a command line is read and dispatched through the command table.
constexpr std::uint16_t k_command_states = state_bit(ServerState::greeted) | state_bit(ServerState::ready) |
                                           state_bit(ServerState::mail) | state_bit(ServerState::rcpt) |
                                           state_bit(ServerState::chunking);
constexpr std::uint16_t k_in_transaction =
    state_bit(ServerState::mail) | state_bit(ServerState::rcpt) | state_bit(ServerState::chunking);

// The event is built once and moved into the queue; next_event() moves it out. (Brace
// initialisation: clang 14, the WebAssembly compiler, cannot build aggregates from
// parentheses, so the variant cannot construct the alternative in place.) A notification
// passes std::monostate: it leaves nothing to answer. The decision is put in place (no
// temporary variant: MAIL and RCPT are on every transaction's path).
template <class Event, class Decision, class... Fields>
void ServerSession::emit(Decision&& pending, Fields&&... fields) {
    if (event_head_ > 0 && event_head_ == events_.size()) {
        events_.clear();
        event_head_ = 0;
    }
    events_.emplace_back(std::in_place_type<Event>, Event{std::forward<Fields>(fields)...});
    using D = std::decay_t<Decision>;
    if constexpr (!std::is_same_v<D, std::monostate>) pending_.template emplace<D>(std::forward<Decision>(pending));
}

}  // namespace relaylab
