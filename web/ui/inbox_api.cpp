#include "web/ui/inbox_api.hpp"

#include <algorithm>
#include <map>
#include <vector>

#include "engine/base64.hpp"
#include "engine/mail_summary.hpp"
#include "engine/mime_message.hpp"
#include "sim/world.hpp"

namespace relaylab::ui {

namespace {

using json = InboxJson;

constexpr const char* k_id_prefix = "sim-";

// One message copy of the run as the inbox sees it.
struct Copy {
    std::size_t index = 0;  // in Timeline::message_copies()
    std::size_t step = 0;   // the step (0-based) that stored it
    const sim::MessageCopy* copy = nullptr;
    std::vector<std::string> recipients;  // envelope recipients of this copy
};

std::string copy_id(std::size_t index) { return k_id_prefix + std::to_string(index + 1); }

// The copies shown at the current step, in the order they were stored.
std::vector<Copy> visible_copies(const sim::Simulation& sim) {
    const auto& copies = sim.timeline().message_copies();
    const std::size_t shown = std::min(sim.view().message_copies, copies.size());
    std::vector<Copy> out;
    const auto& steps = sim.timeline().steps();
    for (std::size_t j = 0; j < steps.size() && out.size() < shown; ++j) {
        for (const sim::Change& c : steps[j].changes) {
            const auto* add = std::get_if<sim::AddMessageCopy>(&c);
            if (!add || out.size() >= shown) continue;
            Copy k;
            k.index = out.size();
            k.step = j;
            k.copy = &copies[k.index];
            const std::string& where = k.copy->where;
            if (where.rfind("mailbox ", 0) == 0) {
                k.recipients.push_back(where.substr(8));
            } else if (where.rfind("queue ", 0) == 0) {
                // The queue entry recorded with the copy names its recipients.
                const std::string queue_id = where.substr(6);
                for (const sim::Change& q : steps[j].changes)
                    if (const auto* set = std::get_if<sim::SetQueueEntry>(&q); set && set->entry.queue_id == queue_id)
                        for (const auto& r : set->entry.recipients) k.recipients.push_back(r.address);
            }
            out.push_back(std::move(k));
        }
    }
    return out;
}

std::optional<Copy> find_copy(const sim::Simulation& sim, std::string_view id) {
    for (Copy& c : visible_copies(sim))
        if (copy_id(c.index) == id) return c;
    return std::nullopt;
}

std::int64_t stored_ms(const sim::Simulation& sim, const Copy& c) {
    return sim::k_sim_epoch_ms + sim.timeline().steps()[c.step].event.t_ms;
}

json address_json(const MailAddress& a) { return json{{"Name", a.name}, {"Address", a.address}}; }
json address_list_json(const std::vector<MailAddress>& list) {
    json arr = json::array();
    for (const auto& a : list) arr.push_back(address_json(a));
    return arr;
}

// Mailpit's list item (GET /api/v1/messages), as native/mailpit_api.cpp gives it.
json list_item(const sim::Simulation& sim, const Copy& c, const MailSummary& s, bool read) {
    return json{{"ID", copy_id(c.index)},
                {"MessageID", s.message_id},
                {"Read", read},
                {"From", address_json(s.from)},
                {"To", address_list_json(s.to)},
                {"Cc", address_list_json(s.cc)},
                {"Bcc", address_list_json(s.bcc)},
                {"ReplyTo", address_list_json(s.reply_to)},
                {"Subject", s.subject},
                {"Created", iso8601_utc(stored_ms(sim, c))},
                {"Username", ""},
                {"Tags", json::array()},
                {"Size", c.copy->content.size()},
                {"Attachments", s.attachments},
                {"Snippet", s.snippet},
                // relaylab's own: where the copy lies in the run.
                {"Host", c.copy->host},
                {"Where", c.copy->where},
                {"Bounce", c.copy->bounce}};
}

json attachment_json(const MimePart& p) {
    return json{{"PartID", p.part_id},
                {"FileName", p.filename},
                {"ContentType", p.content_type},
                {"ContentID", p.content_id},
                {"Size", p.decoded().size()}};
}

// The MIME tree, flattened in document order (Depth: 0 for the root).
void parts_json(const MimePart& p, int depth, json& out) {
    json item{{"PartID", p.part_id},
              {"ContentType", p.content_type},
              {"Disposition", p.disposition},
              {"FileName", p.filename},
              {"ContentID", p.content_id},
              {"TransferEncoding", p.transfer_encoding},
              {"Size", p.is_multipart() ? p.raw_body.size() : p.decoded().size()},
              {"Depth", depth}};
    out.push_back(std::move(item));
    for (const MimePart& child : p.children) parts_json(child, depth + 1, out);
}

// The steps of the run that carried the copy's message up to the copy: connections opened,
// queue changes and deliveries (a step number is what relaylab.seek() takes to show it).
json route_json(const sim::Simulation& sim, const Copy& c) {
    json route = json::array();
    const auto& steps = sim.timeline().steps();
    for (std::size_t j = 0; j <= c.step && j < steps.size(); ++j) {
        const sim::Step& s = steps[j];
        const bool ours = j == c.step || (!c.copy->message.empty() && s.message == c.copy->message);
        const TraceKind k = s.event.kind;
        if (!ours || (j != c.step && k != TraceKind::connect && k != TraceKind::queue && k != TraceKind::delivery))
            continue;
        route.push_back(json{{"Step", j + 1},
                             {"Time", iso8601_utc(sim::k_sim_epoch_ms + s.event.t_ms)},
                             {"Kind", trace_kind_name(k)},
                             {"From", s.event.from},
                             {"To", s.event.to},
                             {"Text", s.event.text},
                             {"Outcome", trace_outcome_name(s.event.outcome)}});
    }
    return route;
}

std::size_t number(const json& j, const char* key, std::size_t fallback) {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_number() || it->get<double>() < 0) return fallback;
    return static_cast<std::size_t>(it->get<double>());
}

std::string text(const json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

InboxJson sim_inbox_list(const sim::Simulation& sim, const SimInboxQuery& query) {
    const auto terms = parse_search_query(query.search);
    std::vector<Copy> copies = visible_copies(sim);
    std::reverse(copies.begin(), copies.end());  // newest first
    std::size_t unread = 0, found = 0, found_unread = 0;
    json messages = json::array();
    for (const Copy& c : copies) {
        const bool read = query.read.count(copy_id(c.index)) > 0;
        unread += !read;
        const MailSummary s = summarize_message(c.copy->content, c.recipients);
        if (!search_matches(terms, s, read)) continue;
        if (found >= query.start && messages.size() < query.limit) messages.push_back(list_item(sim, c, s, read));
        ++found;
        found_unread += !read;
    }
    return json{{"total", copies.size()},
                {"unread", unread},
                {"count", messages.size()},
                {"messages_count", found},
                {"messages_unread", found_unread},
                {"start", query.start},
                {"tags", json::array()},
                {"messages", messages},
                // relaylab's own: the copies the whole run stores (more come at later steps).
                {"run_total", sim.timeline().message_copies().size()}};
}

std::optional<InboxJson> sim_inbox_message(const sim::Simulation& sim, std::string_view id) {
    const auto c = find_copy(sim, id);
    if (!c) return std::nullopt;
    const std::string& content = c->copy->content;
    const MailSummary s = summarize_message(content, c->recipients);
    const MimePart root = parse_mime(content);
    const MimeView view = mime_view(root);
    json attachments = json::array(), inlines = json::array(), parts = json::array();
    for (const MimePart* p : view.attachments) attachments.push_back(attachment_json(*p));
    for (const MimePart* p : view.inlines) inlines.push_back(attachment_json(*p));
    parts_json(root, 0, parts);
    std::map<std::string, std::vector<std::string>> headers;  // alphabetical, as Mailpit's /headers
    for (const MimeField& f : root.fields) headers[f.name].push_back(f.value);
    return json{{"ID", copy_id(c->index)},
                {"MessageID", s.message_id},
                {"From", address_json(s.from)},
                {"To", address_list_json(s.to)},
                {"Cc", address_list_json(s.cc)},
                {"Bcc", address_list_json(s.bcc)},
                {"ReplyTo", address_list_json(s.reply_to)},
                {"ReturnPath", s.return_path},
                {"Subject", s.subject},
                {"Date", iso8601_utc(s.date_ms.value_or(stored_ms(sim, *c)))},
                {"Tags", json::array()},
                {"Username", ""},
                {"Text", view.text ? view.text->text() : ""},
                {"HTML", view.html ? view.html->text() : ""},
                {"Size", content.size()},
                {"Inline", inlines},
                {"Attachments", attachments},
                {"Headers", headers},
                {"Raw", content},
                {"Parts", parts},
                {"Host", c->copy->host},
                {"Where", c->copy->where},
                {"Bounce", c->copy->bounce},
                {"Step", c->step + 1},
                {"Route", route_json(sim, *c)}};
}

std::optional<InboxJson> sim_inbox_part(const sim::Simulation& sim, std::string_view id, std::string_view part_id) {
    const auto c = find_copy(sim, id);
    if (!c) return std::nullopt;
    const MimePart root = parse_mime(c->copy->content);
    const MimePart* p = find_part(root, part_id);
    if (!p || p->is_multipart()) return std::nullopt;
    const std::string bytes = p->decoded();
    return json{{"PartID", p->part_id},
                {"ContentType", p->content_type},
                {"FileName", p->filename},
                {"Size", bytes.size()},
                {"Base64", base64_encode(bytes)}};
}

bool is_inbox_op(std::string_view op) { return op == "inbox_list" || op == "inbox_message" || op == "inbox_part"; }

bool inbox_api_op(const sim::Simulation* sim, std::string_view op, const InboxJson& request, InboxJson& result,
                  std::string& error) {
    if (!is_inbox_op(op)) return false;
    if (!sim) {
        error = "no scenario is loaded";
        return true;
    }
    if (op == "inbox_list") {
        SimInboxQuery q;
        q.search = text(request, "query");
        q.start = number(request, "start", 0);
        q.limit = number(request, "limit", 50);
        if (q.limit == 0) q.limit = 50;
        if (const auto it = request.find("read"); it != request.end() && it->is_array())
            for (const auto& v : *it)
                if (v.is_string()) q.read.insert(v.get<std::string>());
        result = sim_inbox_list(*sim, q);
        return true;
    }
    const std::string id = text(request, "id");
    if (op == "inbox_message") {
        auto m = sim_inbox_message(*sim, id);
        if (m) result = std::move(*m);
        else error = "no message copy \"" + id + "\" at this step of the run";
        return true;
    }
    const std::string part = text(request, "part");
    auto p = sim_inbox_part(*sim, id, part);
    if (p) result = std::move(*p);
    else error = "message copy \"" + id + "\" has no part \"" + part + "\"";
    return true;
}

}  // namespace relaylab::ui
