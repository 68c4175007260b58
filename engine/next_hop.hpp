#pragma once
// What goes to the next hop, given what it offers in its EHLO reply. The parameters a client
// gave us travel on where the next hop understands them (the client session writes them);
// this decides what to do when it does not:
//   - an address with UTF-8 and no SMTPUTF8 → 553 5.6.7, not sent (RFC 6531 §3.2, RFC 3463);
//   - SMTPUTF8 needed for UTF-8 header fields only → 554 5.6.9 (RFC 6531 §3.2; RFC 6533
//     for the notice about it);
//   - 8-bit content and no 8BITMIME → converted to 7 bits (quoted-printable / base64) when
//     the MIME structure allows it, else 554 5.6.3 "conversion required but not supported"
//     (RFC 6152 §3 offers exactly these two choices);
//   - DSN not offered: NOTIFY and ORCPT cannot go on; the delivery core then owes the sender a
//     "relayed" notice where NOTIFY=SUCCESS was asked (RFC 3461 §5.2.2).
// Every refusal here is a local condition: no server replied it.
#include <optional>
#include <string>

#include "engine/client_capabilities.hpp"
#include "engine/command.hpp"
#include "engine/reply.hpp"

namespace relaylab {

struct NextHopContent {
    std::optional<Reply> refusal;  // set: do not send; every recipient gets this reply
    bool converted = false;        // the content was converted to 7 bits
    std::string content;           // what to send when not refused
};

// `eight_bit_body`: the message was declared BODY=8BITMIME (or carries 8-bit octets, taken
// as 8BITMIME); `smtputf8`: declared SMTPUTF8; `utf8_address`: some envelope address needs it.
NextHopContent adapt_for_next_hop(std::string_view content, bool eight_bit_body, bool smtputf8, bool utf8_address,
                                  const ServerCapabilities& caps);

}  // namespace relaylab
