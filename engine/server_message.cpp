// ServerSession: the message content, DATA (RFC 5321 §4.1.1.4) and BDAT (RFC 3030), up to
// the MessageEvent the host answers once the message is durable. Both paths end in one
// verdict (finish_message, content_check.hpp).
//
// Choices where the RFCs leave room:
//  - BDAT content is text (no BINARYMIME): bare CR / bare LF are stored as CR LF, like DATA's.
//  - A refused BDAT chunk is still read to its last octet, then refused (RFC 3030 §2): no
//    MAIL "503 5.5.1", no RCPT "554 5.5.1", too big "552 5.3.4" (the transaction is reset).
// Security notes: only CR LF "." CR LF ends DATA (DataDecoder, CVE-2023-51764 class); BDAT
// octets are counted, never parsed for commands.
#include <string>

#include "engine/server_session_internal.hpp"

namespace relaylab {

void ServerSession::cmd_data(std::string_view args) {
    if (!args.empty()) {
        protocol_error(501, "5.5.4", "Syntax: DATA");  // RFC 5321 §4.1.1.4
        return;
    }
    if (tx_.bdat) {
        protocol_error(503, "5.5.1", "DATA not allowed after BDAT");  // RFC 3030 §2
        return;
    }
    if (tx_.rcpts.empty()) {
        reply(554, "5.5.1", "No valid recipients");  // RFC 2920 §3.1, RFC 5321 §4.1.1.4
        return;
    }
    decoder_.reset();
    tx_.content.clear();
    reply(354, "", "End data with <CR><LF>.<CR><LF>");  // RFC 5321 §4.1.1.4; no enhanced code on 3xx
    enter_state(ServerState::data);
}

void ServerSession::cmd_bdat(std::string_view args) {
    if (!conn_.offers.chunking) {
        protocol_error(502, "5.5.1", "BDAT not available");  // RFC 3030 §2: only after CHUNKING was offered
        return;
    }
    std::optional<BdatArgs> a = parse_bdat_args(args);
    if (!a) {
        protocol_error(501, "5.5.4", "Syntax: BDAT chunk-size [LAST]");  // RFC 3030 §2
        return;
    }
    chunk_ = BdatChunk{a->size, a->size, a->last, conn_.state, std::nullopt};
    // RFC 3030 §2: a refused chunk is still read, then the refusal is the reply to it.
    switch (conn_.state) {
        case ServerState::greeted: chunk_.refusal = ChunkRefusal{503, "5.5.1", "Send HELO/EHLO first", true, false}; break;
        case ServerState::ready: chunk_.refusal = ChunkRefusal{503, "5.5.1", "Need MAIL command", true, false}; break;
        case ServerState::mail:  // RFC 2920 §3.1
            chunk_.refusal = ChunkRefusal{554, "5.5.1", "No valid recipients", false, false};
            break;
        default: {
            const std::uint64_t so_far = content_.size();
            if (so_far + a->size > config_.max_message_size || so_far + a->size < so_far)  // RFC 1870 §6.3
                chunk_.refusal = ChunkRefusal{552, "5.3.4", "Message size exceeds fixed maximum message size", false, true};
            break;
        }
    }
    enter_state(ServerState::bdat);
    if (chunk_.remaining == 0) finish_chunk();
}

void ServerSession::process_data() {
    std::string_view avail(in_.data() + in_pos_, in_.size() - in_pos_);
    DataDecoder::Result r = decoder_.feed(avail, tx_.content);
    in_pos_ += r.consumed;
    if (r.done) finish_data();
}

void ServerSession::finish_data() {
    content_.take(decoder_);  // the decoder's one pass already saw every octet
    if (config_.trace) {
        trace_note(TraceKind::data, TraceNote::content,
                   "message content, " + std::to_string(decoder_.size()) + " bytes");
        if (content_.facts().bare_line_end)
            trace_note(TraceKind::note, TraceNote::bare_line_ending,
                       "bare CR or LF in the message content, normalised to CRLF");
    }
    tx_.bdat = false;
    finish_message();
}

void ServerSession::process_bdat() {
    const std::size_t avail = in_.size() - in_pos_;
    const std::size_t n = chunk_.remaining < avail ? static_cast<std::size_t>(chunk_.remaining) : avail;
    const std::string_view octets(in_.data() + in_pos_, n);
    if (!chunk_.refusal) {
        content_.feed(octets);
        tx_.content.append(octets.data(), octets.size());
    }
    in_pos_ += n;
    chunk_.remaining -= n;
    if (chunk_.remaining == 0) finish_chunk();
}

void ServerSession::finish_chunk() {
    if (config_.trace)
        trace_note(TraceKind::data, TraceNote::content_bdat,
                   "BDAT chunk, " + std::to_string(chunk_.size) + " bytes" + (chunk_.refusal ? " (discarded)" : ""));
    if (chunk_.refusal) {
        const ChunkRefusal refusal = *chunk_.refusal;
        chunk_.refusal.reset();
        if (refusal.reset) {
            reset_transaction();
            enter_state(ServerState::ready);
        } else {
            enter_state(chunk_.return_state);
        }
        if (refusal.counts_as_error) protocol_error(refusal.code, refusal.enhanced, refusal.text);
        else reply(refusal.code, refusal.enhanced, refusal.text);
        return;
    }
    tx_.bdat = true;
    if (!chunk_.last) {
        enter_state(ServerState::chunking);
        reply(250, "2.0.0", std::to_string(chunk_.size) + " octets received");  // RFC 3030 §2
        return;
    }
    content_.end();
    finish_message();
}

// The end of a message, DATA or BDAT: the one content verdict, then the host's decision.
void ServerSession::finish_message() {
    const ContentFacts& facts = content_.facts();
    const bool declared_8bit = tx_.mail_params.body == Body::eight_bit_mime || tx_.mail_params.smtputf8;
    const ContentVerdict verdict = judge_content(facts, declared_8bit, config_.strict_8bitmime);
    if (!verdict.accepted()) {
        reply(verdict.code, verdict.enhanced, verdict.text);
        reset_transaction();
        enter_state(ServerState::ready);
        return;
    }
    if (tx_.bdat && facts.bare_line_end) {
        if (config_.trace)
            trace_note(TraceKind::note, TraceNote::bare_line_ending_bdat,
                       "bare CR or LF in the BDAT content, normalised to CRLF");
        tx_.content = normalize_crlf(tx_.content);
    }
    if (facts.eight_bit && !declared_8bit && config_.trace)
        trace_note(TraceKind::note, TraceNote::eight_bit_accepted,
                   "8-bit content without BODY=8BITMIME, accepted as 8BITMIME");
    Envelope env = make_envelope();
    env.content_8bit = facts.eight_bit;
    emit<MessageEvent>(PendingMessage{}, std::move(env), std::move(tx_.content));
}

Envelope ServerSession::make_envelope() {
    Envelope env;
    env.helo = conn_.helo;
    env.esmtp = conn_.esmtp;
    env.tls = conn_.tls;
    env.tls_version = conn_.tls_version;
    env.auth_user = conn_.auth_user;
    env.from = tx_.from;
    env.mail_params = tx_.mail_params;
    env.rcpts = tx_.rcpts;
    env.bdat = tx_.bdat;
    return env;
}

void ServerSession::reset_transaction() {
    // Field by field, as `tx_ = ServerTransaction{}` would, but the strings and vectors keep
    // their capacity: RSET and every message go through here. Keep in step with the struct.
    tx_.active = false;
    tx_.from.null = false;
    tx_.from.source_route.clear();
    tx_.from.mailbox.local_part.clear();
    tx_.from.mailbox.domain.clear();
    tx_.from.mailbox.quoted_local = false;
    tx_.from.mailbox.domain_literal = false;
    tx_.from.mailbox.utf8 = false;
    tx_.mail_params.size.reset();
    tx_.mail_params.body = Body::unspecified;
    tx_.mail_params.smtputf8 = false;
    tx_.mail_params.ret = Ret::unspecified;
    tx_.mail_params.envid.clear();
    tx_.mail_params.auth.clear();
    tx_.rcpts.clear();
    tx_.bdat = false;
    tx_.content.clear();
    content_.reset();  // the content check belongs to the transaction too
}

}  // namespace relaylab
