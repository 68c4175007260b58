// One mail transaction of the client session: what the next hop is sent (after the next-hop
// rules of engine/next_hop.hpp), MAIL with the parameters the server offers, RCPT, DATA or
// BDAT, and the per-recipient outcome once the last reply is in (RFC 5321 §3.3).
#include "engine/client_session.hpp"

#include "engine/dot_codec.hpp"
#include "engine/next_hop.hpp"
#include "engine/xtext.hpp"

namespace relaylab {

namespace {

std::string body_for_wire(std::string_view content) {
    std::string body = normalize_crlf(content);
    if (!body.empty() && (body.size() < 2 || body.compare(body.size() - 2, 2, "\r\n") != 0)) body += "\r\n";
    return body;
}

// RFC 3461 §4.2: ORCPT=addr-type ";" xtext.
std::string orcpt_value(std::string_view orcpt) {
    const std::size_t semi = orcpt.find(';');
    if (semi == std::string_view::npos) return "rfc822;" + xtext_encode(orcpt);
    return std::string(orcpt.substr(0, semi)) + ";" + xtext_encode(orcpt.substr(semi + 1));
}

}  // namespace

// Starts the queue's first message. Returns false when it was settled without any command
// (too big, an extension it needs is missing, no recipients).
bool ClientSession::start_message() {
    auto [id, msg] = std::move(queue_.front());
    queue_.pop_front();
    Transaction tx;
    tx.id = id;
    tx.body = body_for_wire(msg.content);
    tx.msg = std::move(msg);
    tx.pipelined = caps_.pipelining;
    tx.bdat = config_.use_bdat && caps_.chunking;
    tx.rcpt_ok.assign(tx.msg.rcpts.size(), false);
    tx.results.assign(tx.msg.rcpts.size(), std::nullopt);
    tx_ = std::move(tx);

    std::optional<Reply> refused;
    if (tx_->msg.rcpts.empty()) {
        refused = make_reply(554, "5.5.1", "no recipients");  // RFC 3463 X.5.1; nobody to tell
    } else {
        bool utf8_address = tx_->msg.from.mailbox.utf8;
        for (const auto& [path, params] : tx_->msg.rcpts) utf8_address |= path.mailbox.utf8;
        NextHopContent hop = adapt_for_next_hop(tx_->body, tx_->msg.mail_params.body == Body::eight_bit_mime,
                                                tx_->msg.mail_params.smtputf8, utf8_address, caps_);
        if (hop.refusal) {
            refused = hop.refusal;
        } else if (hop.converted) {
            tx_->body = std::move(hop.content);
            tx_->msg.mail_params.body = Body::seven_bit;
            trace_event(TraceKind::note, TraceNote::eight_bit_converted,
                        "8-bit content converted to 7 bits (the server does not offer 8BITMIME)");
        }
    }
    if (!refused && caps_.size && caps_.size_limit > 0 && tx_->body.size() > caps_.size_limit) {
        // RFC 1870 §6: a client must not send a message the server declared too big.
        refused = make_reply(552, "5.3.4", "message size exceeds the server's fixed limit of " +
                                               std::to_string(caps_.size_limit) + " octets");
    }
    if (refused) {
        trace_event(TraceKind::note, TraceNote::message_not_sent, "message not sent: " + refused->summary());
        complete_all(*tx_, *refused, true);
        finish_message(*refused);
        return false;
    }
    enter(ClientPhase::transaction);
    send_mail();
    if (tx_->pipelined) {
        // RFC 2920 §3.1: MAIL, every RCPT and DATA in one group.
        for (std::size_t i = 0; i < tx_->msg.rcpts.size(); ++i) send_rcpt(i);
        if (!tx_->bdat) send_data();
    }
    return true;
}

void ClientSession::send_mail() {
    const Transaction& tx = *tx_;
    const MailParams& p = tx.msg.mail_params;
    std::string line = "MAIL FROM:" + format_path(tx.msg.from);
    if (caps_.size) line += " SIZE=" + std::to_string(tx.body.size());  // RFC 1870 §3
    if (caps_.eight_bit_mime) {                                           // RFC 6152 §2
        if (p.body == Body::eight_bit_mime) line += " BODY=8BITMIME";
        else if (p.body == Body::seven_bit) line += " BODY=7BIT";
    }
    if (p.smtputf8 && caps_.smtputf8) line += " SMTPUTF8";  // RFC 6531 §3.4
    if (caps_.dsn) {                                        // RFC 3461 §4.3, §4.4
        if (p.ret == Ret::full) line += " RET=FULL";
        else if (p.ret == Ret::hdrs) line += " RET=HDRS";
        if (!p.envid.empty()) line += " ENVID=" + xtext_encode(p.envid);
    }
    if (!p.auth.empty() && authenticated_) line += " AUTH=" + xtext_encode(p.auth);  // RFC 4954 §5
    write_command(std::move(line), Verb::mail);
    expect(Await::mail);
}

void ClientSession::send_rcpt(std::size_t i) {
    const auto& [path, p] = tx_->msg.rcpts[i];
    std::string line = "RCPT TO:" + format_path(path);
    if (caps_.dsn) {  // RFC 3461 §4.1, §4.2
        if (p.notify) line += " NOTIFY=" + notify_wire_value(*p.notify);
        if (!p.orcpt.empty()) line += " ORCPT=" + orcpt_value(p.orcpt);
    }
    tx_->next_rcpt = i + 1;
    write_command(std::move(line), Verb::rcpt);
    expect(Await::rcpt, i);
}

void ClientSession::send_data() {
    write_command("DATA", Verb::data);
    expect(Await::data);
}

// RFC 3030 §2: one chunk carrying the whole (CRLF-normalised) message, marked LAST.
void ClientSession::send_bdat() {
    const std::string& body = tx_->body;
    write_command("BDAT " + std::to_string(body.size()) + " LAST", Verb::bdat);
    out_ += body;
    trace_event(TraceKind::data, TraceNote::content_bdat, std::to_string(body.size()) + " octets of message content");
    expect(Await::bdat);
}

// Every recipient without a final result yet gets `reply`.
void ClientSession::complete_all(Transaction& tx, const Reply& reply, bool local) {
    for (std::size_t i = 0; i < tx.results.size(); ++i)
        if (!tx.results[i])
            tx.results[i] = RecipientOutcome{tx.msg.rcpts[i].first, recipient_status_of(reply), reply, local};
}

// The transaction's last expected reply arrived: accepted recipients take `final_reply`.
void ClientSession::finish_message(const Reply& final_reply) {
    if (!tx_) return;
    Transaction& tx = *tx_;
    // (After an empty DATA every recipient already has its RCPT or MAIL reply.)
    complete_all(tx, final_reply, false);
    MessageOutcome outcome;
    outcome.message = tx.id;
    outcome.next_hop_dsn = caps_.dsn;
    for (auto& r : tx.results) outcome.recipients.push_back(std::move(*r));
    tx_.reset();
    events_.push_back(MessageDoneEvent{std::move(outcome)});
    if (phase_ == ClientPhase::transaction) enter(ClientPhase::ready);
    if (phase_ == ClientPhase::ready && awaiting_.empty()) proceed();
}

}  // namespace relaylab
