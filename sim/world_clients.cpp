// The scenario's mail clients: the engine's own ClientSession (a well-behaved mail program
// submitting on 587 or 465, or a server sending on 25), or a raw script for misbehaving
// clients and attacks (SMTP smuggling, pipelining abuse). Also the client side of the
// relay's outbound connections: their events go back to the delivery core.
#include "engine/ids.hpp"
#include "engine/received.hpp"
#include "sim/world_impl.hpp"

namespace relaylab::sim {

void World::pump_client(Conn* c) {
    if (!c->cli) return;
    while (auto ev = c->cli->next_event()) handle_client_event(c, *ev);
    absorb_client_trace(*c);
    if (c->closed) return;
    std::string out = c->cli->take_output();
    if (!out.empty()) to_server(c, std::move(out));
}

void World::handle_client_event(Conn* c, ClientEvent& ev) {
    if (std::holds_alternative<TlsStartEvent>(ev)) {
        run_tls_handshake(c);
        return;
    }
    if (auto* done = std::get_if<MessageDoneEvent>(&ev)) {
        c->outcome = done->outcome;
        return;
    }
    if (auto* closed = std::get_if<ClosedEvent>(&ev)) {
        close_conn(c);
        if (c->purpose == Purpose::submission) finish_submission(c);
        else finish_delivery(c, *closed);
    }
}

void World::start_submission(const MessageSpec& m) {
    HostRt* client = host(m.client);
    HostRt* server = host(m.server);
    Conn* c = new_conn(client, server, m.port, Purpose::submission, m.id);
    open_virtual_connection(
        client, server, m.port, m.id, Topic::submission,
        [this, c, &m] {
            if (c->port == 465) {
                // RFC 8314 §3.3: implicit TLS, the handshake comes before any SMTP.
                record(TraceKind::tls, TracePhase::tls, Topic::tls, c->client->spec->name, c->server->spec->name,
                       "TLS handshake (implicit TLS on port 465)",
                       "On port 465 the connection is encrypted from the first byte; SMTP starts after "
                       "the handshake.",
                       "RFC 8314 §3.3", c->spec_id, c->id);
                c->tls = true;
            }
            start_client(c, m);
            open_server(c);
        },
        [this, c, &m](const std::string& why) {
            for (const auto& rcpt : m.to)
                set_recipient_status(
                    m.id, rcpt,
                    status_from(MessageState::deferred, make_reply(451, "4.4.1", "connection " + why), c->server->spec->name));
        });
}

void World::start_client(Conn* c, const MessageSpec& m) {
    if (!m.script.empty()) {
        c->script = m.script;
        return;
    }
    ClientConfig cfg;
    cfg.helo_name = m.client;
    cfg.tls = (m.starttls && !skip_starttls_.count(m.id)) ? TlsPolicy::required : TlsPolicy::none;
    cfg.tls_active = m.port == 465;
    if (m.port == 465) cfg.tls = TlsPolicy::none;
    if (m.auth && !skip_auth_.count(m.id)) {
        std::string password = m.auth->password;
        if (wrong_password_.count(m.id)) password += "-typo";
        cfg.auth = std::make_pair(m.auth->address, password);
    }
    c->cli = std::make_unique<ClientSession>(cfg, now_);
    OutgoingMessage out;
    out.from = scenario_path(m.from);
    if (m.body_8bitmime) out.mail_params.body = Body::eight_bit_mime;
    for (const auto& rcpt : m.to) {
        RcptParams params;
        if (!m.notify.empty()) params.notify = parse_notify(m.notify);
        out.rcpts.emplace_back(scenario_path(rcpt), params);
        if (out.rcpts.back().first.mailbox.utf8) out.mail_params.smtputf8 = true;  // RFC 6531 §3.4
    }
    out.content = compose(m);
    c->cli->send(std::move(out), now_);
    c->cli->quit(now_);
}

std::string World::compose(const MessageSpec& m) {
    std::string to;
    for (const auto& r : m.to) to += (to.empty() ? "" : ", ") + r;
    std::string content;
    content += "From: " + m.from + "\r\n";
    content += "To: " + to + "\r\n";
    content += "Subject: " + m.subject + "\r\n";
    content += "Date: " + format_rfc5322_date(k_sim_epoch_ms + now_) + "\r\n";
    content += "Message-ID: " + make_message_id(hash64(seed_, m.id), 1, m.client) + "\r\n";
    content += "MIME-Version: 1.0\r\n";
    auto text_part = [&](const std::string& text) {
        content += text;
        if (content.size() < 2 || content.substr(content.size() - 2) != "\r\n") content += "\r\n";
    };
    if (m.html.empty()) {
        content += "Content-Type: text/plain; charset=utf-8\r\n\r\n";
        text_part(m.body);
    } else {
        // RFC 2046 §5.1.4: the alternatives from plainest to richest.
        const std::string boundary = "=_relaylab_alt_" + m.id;
        content += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n\r\n";
        content += "--" + boundary + "\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n";
        text_part(m.body);
        content += "--" + boundary + "\r\nContent-Type: text/html; charset=utf-8\r\n\r\n";
        text_part(m.html);
        content += "--" + boundary + "--\r\n";
    }
    const char* filler = "The quick brown fox jumps over the lazy dog. ";
    while (content.size() < m.pad_to) {
        std::string line;
        while (line.size() < 70) line += filler;
        content += line + "\r\n";
    }
    return content;
}

// A scripted (raw) client: one chunk after each complete reply.
void World::script_feed(Conn* c, const std::string& bytes) {
    c->script_parser.feed(bytes);
    while (auto reply = c->script_parser.next()) {
        if (c->script_pos > 0 && !reply->positive() && !c->script_first_negative) c->script_first_negative = *reply;
        if (c->script_pos < c->script.size()) to_server(c, c->script[c->script_pos++]);
    }
}

void World::script_close(Conn* c) {
    close_conn(c);
    finish_submission(c);
}

void World::finish_submission(Conn* c) {
    const MessageSpec* m = nullptr;
    for (const auto& spec : sc_.messages)
        if (spec.id == c->spec_id) m = &spec;
    if (!m) return;
    const std::string where = c->server->spec->name;
    if (!c->cli) {
        if (!c->script_message_accepted && c->script_first_negative)
            for (const auto& rcpt : m->to)
                set_recipient_status(m->id, rcpt, status_from(MessageState::rejected, *c->script_first_negative, where));
        return;
    }
    if (!c->outcome) return;
    for (const auto& r : c->outcome->recipients) {
        const std::string rcpt = r.rcpt.mailbox.to_string();
        if (r.status == RecipientStatus::permanent)
            set_recipient_status(m->id, rcpt, status_from(MessageState::rejected, r.reply, where));
        else if (r.status == RecipientStatus::temporary)
            set_recipient_status(m->id, rcpt, status_from(MessageState::deferred, r.reply, where));
    }
}

}  // namespace relaylab::sim
