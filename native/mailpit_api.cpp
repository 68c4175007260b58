#include "native/mailpit_api.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "engine/address.hpp"
#include "engine/ascii.hpp"
#include "engine/content_scan.hpp"
#include "engine/mime_message.hpp"
#include "engine/release_allow.hpp"

namespace relaylab::native {

using json = nlohmann::json;

namespace {

constexpr int k_default_limit = 50;
// Captured content is untrusted: no script, nothing remote (tracking pixels stay unloaded),
// and an opaque origin (sandbox) so it cannot call this API with the user's access.
constexpr const char* k_content_policy = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:";
constexpr std::size_t k_max_release_recipients = 100;

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// application/x-www-form-urlencoded and path segments: %XX, and "+" as a space in queries.
std::string percent_decode(std::string_view s, bool plus_is_space) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && hex_digit(s[i + 1]) >= 0 && hex_digit(s[i + 2]) >= 0) {
            out += static_cast<char>(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2]));
            i += 2;
        } else {
            out += plus_is_space && s[i] == '+' ? ' ' : s[i];
        }
    }
    return out;
}

std::map<std::string, std::string> parse_query(std::string_view q) {
    std::map<std::string, std::string> out;
    while (!q.empty()) {
        const auto amp = q.find('&');
        const std::string_view pair = q.substr(0, amp);
        const auto eq = pair.find('=');
        out[percent_decode(pair.substr(0, eq), true)] =
            eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1), true);
        q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
    }
    return out;
}

int number_param(const std::map<std::string, std::string>& q, const char* key, int fallback) {
    const auto it = q.find(key);
    if (it == q.end() || it->second.empty() || it->second.size() > 9) return fallback;
    int v = 0;
    for (char c : it->second) {
        if (c < '0' || c > '9') return fallback;
        v = v * 10 + (c - '0');
    }
    return v;
}

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

json address_json(const MailAddress& a) { return json{{"Name", a.name}, {"Address", a.address}}; }
json address_list_json(const std::vector<MailAddress>& list) {
    json arr = json::array();
    for (const auto& a : list) arr.push_back(address_json(a));
    return arr;
}

std::string digest_hex(const EVP_MD* md, const std::string& data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) != 1) return {};
    static const char* hex = "0123456789abcdef";
    std::string s;
    for (unsigned int i = 0; i < len; ++i) {
        s += hex[out[i] >> 4];
        s += hex[out[i] & 15];
    }
    return s;
}

json attachment_json(const MimePart& p) {
    const std::string bytes = p.decoded();
    return json{{"PartID", p.part_id},
                {"FileName", p.filename},
                {"ContentType", p.content_type},
                {"ContentID", p.content_id},
                {"Size", bytes.size()},
                {"Checksums",
                 {{"MD5", digest_hex(EVP_md5(), bytes)},
                  {"SHA1", digest_hex(EVP_sha1(), bytes)},
                  {"SHA256", digest_hex(EVP_sha256(), bytes)}}}};
}

json list_item(const InboxEntry& e, const MailSummary& s) {
    return json{{"ID", e.id},
                {"MessageID", s.message_id},
                {"Read", e.read},
                {"From", address_json(s.from)},
                {"To", address_list_json(s.to)},
                {"Cc", address_list_json(s.cc)},
                {"Bcc", address_list_json(s.bcc)},
                {"ReplyTo", address_list_json(s.reply_to)},
                {"Subject", s.subject},
                {"Created", iso8601_utc(e.created_ms)},
                {"Username", ""},
                {"Tags", json::array()},
                {"Size", e.size},
                {"Attachments", s.attachments},
                {"Snippet", s.snippet}};
}

ApiResponse ok_text() {
    ApiResponse r;
    r.content_type = "text/plain; charset=utf-8";
    r.body = "ok";
    return r;
}

ApiResponse json_response(const json& j) {
    ApiResponse r;
    r.body = dump(j);
    return r;
}

bool starts_with_field(std::string_view line, std::string_view name) {
    return line.size() > name.size() && line[name.size()] == ':' && ascii_iequals(line.substr(0, name.size()), name);
}

}  // namespace

std::string strip_delivery_headers(std::string_view message) {
    std::size_t pos = 0;
    bool skipping = false;
    while (pos < message.size()) {
        const auto eol = message.find('\n', pos);
        const std::string_view line = message.substr(pos, eol == std::string_view::npos ? message.size() - pos : eol - pos);
        const bool continuation = !line.empty() && (line[0] == ' ' || line[0] == '\t');
        if (continuation ? skipping
                         : (starts_with_field(line, "Return-Path") || starts_with_field(line, "Delivered-To") ||
                            starts_with_field(line, "X-Relaylab-Captured"))) {
            skipping = true;
            pos = eol == std::string_view::npos ? message.size() : eol + 1;
            continue;
        }
        break;
    }
    return std::string(message.substr(pos));
}

std::string captured_queue_id(std::string_view message) {
    for (const MimeField& f : parse_mime_fields(split_header_section(message).header)) {
        if (!ascii_iequals(f.name, "X-Relaylab-Captured")) continue;
        const auto at = f.value.find("queue-id=");
        if (at == std::string::npos) return {};
        const auto end = f.value.find(';', at);
        return f.value.substr(at + 9, end == std::string::npos ? std::string::npos : end - at - 9);
    }
    return {};
}

std::vector<std::string> envelope_recipients(std::string_view message) {
    std::vector<std::string> out;
    for (const MimeField& f : parse_mime_fields(split_header_section(message).header)) {
        if (ascii_iequals(f.name, "Delivered-To")) {
            out.push_back(f.value);
        } else if (ascii_iequals(f.name, "X-Relaylab-Captured")) {
            const auto at = f.value.find("rcpt=");
            if (at != std::string::npos) {
                const auto end = f.value.find(';', at);
                out.push_back(f.value.substr(at + 5, end == std::string::npos ? std::string::npos : end - at - 5));
            }
        }
    }
    return out;
}

ApiResponse MailpitApi::error(int status, const std::string& text) {
    ApiResponse r;
    r.status = status;
    r.body = dump(json{{"Error", text}});
    return r;
}

const MailSummary* MailpitApi::summary(const InboxEntry& e) {
    auto it = cache_.find(e.id);
    if (it != cache_.end() && it->second.size == e.size) return &it->second.summary;
    auto content = store_.content(e);
    if (!content) return nullptr;
    Cached c;
    c.size = e.size;
    c.rcpts = envelope_recipients(*content);
    c.queue_id = captured_queue_id(*content);
    c.summary = summarize_message(*content, c.rcpts);
    return &(cache_[e.id] = std::move(c)).summary;
}

std::vector<InboxEntry> MailpitApi::sorted_entries() {
    std::vector<InboxEntry> all = store_.entries();
    std::sort(all.begin(), all.end(), [](const InboxEntry& a, const InboxEntry& b) {
        if (a.created_ms != b.created_ms) return a.created_ms < b.created_ms;  // oldest first here
        return a.path < b.path;
    });
    // Forget summaries of messages that are gone (deleted by hand or by the API).
    if (cache_.size() > all.size()) {
        std::map<std::string, Cached> keep;
        for (const auto& e : all)
            if (auto it = cache_.find(e.id); it != cache_.end()) keep.emplace(e.id, std::move(it->second));
        cache_ = std::move(keep);
    }
    // The sandbox captures one copy per envelope recipient; like Mailpit, the inbox shows one
    // message per SMTP transaction (one queue id): the oldest copy stands for the others,
    // lists every envelope recipient, and is read when every copy is.
    copies_.clear();
    std::map<std::string, std::size_t> group_of;  // queue id → index in `out`
    std::vector<InboxEntry> out;
    for (const InboxEntry& e : all) {
        summary(e);
        const auto it = cache_.find(e.id);
        const std::string qid = it == cache_.end() ? "" : it->second.queue_id;
        if (auto g = group_of.find(qid); !qid.empty() && g != group_of.end()) {
            InboxEntry& rep = out[g->second];
            rep.read = rep.read && e.read;
            copies_[rep.id].push_back(e);
            MailSummary& rs = cache_[rep.id].summary;
            for (const std::string& rcpt : it->second.rcpts) {
                bool named = false;
                for (const auto* list : {&rs.to, &rs.cc, &rs.bcc})
                    for (const auto& a : *list) named = named || ascii_iequals(a.address, rcpt);
                if (!named) rs.bcc.push_back({"", rcpt});
            }
            continue;
        }
        if (!qid.empty()) group_of[qid] = out.size();
        out.push_back(e);
    }
    std::reverse(out.begin(), out.end());  // newest first
    return out;
}

std::vector<InboxEntry> MailpitApi::with_copies(const InboxEntry& e) const {
    std::vector<InboxEntry> all{e};
    if (auto it = copies_.find(e.id); it != copies_.end()) all.insert(all.end(), it->second.begin(), it->second.end());
    return all;
}

bool MailpitApi::remove_all_copies(const InboxEntry& e) {
    bool ok = true;
    for (const InboxEntry& c : with_copies(e)) ok = store_.remove(c) && ok;
    return ok;
}

bool MailpitApi::set_read_all_copies(const InboxEntry& e, bool read) {
    bool ok = true;
    for (const InboxEntry& c : with_copies(e)) ok = store_.set_read(c, read) && ok;
    return ok;
}

std::string MailpitApi::new_message_event(const InboxEntry& entry) {
    // A further copy of a message already listed (another recipient's) is no new message.
    const std::vector<InboxEntry> listed = sorted_entries();
    if (std::none_of(listed.begin(), listed.end(), [&](const InboxEntry& e) { return e.id == entry.id; })) return {};
    const MailSummary* s = summary(entry);
    if (!s) return {};
    return dump(json{{"Type", "new"}, {"Data", list_item(entry, *s)}});
}

std::optional<ApiResponse> MailpitApi::handle(std::string_view method, std::string_view target, std::string_view body) {
    const auto qmark = target.find('?');
    const std::string_view path = target.substr(0, qmark);
    const auto query = parse_query(qmark == std::string_view::npos ? std::string_view{} : target.substr(qmark + 1));
    std::vector<std::string> seg;
    std::string view_kind;  // "html" or "txt" for /view/{ID}.{html,txt}
    if (path.substr(0, 6) == "/view/") {
        const std::string name = percent_decode(path.substr(6), false);
        const auto dot = name.rfind('.');
        if (dot == std::string::npos || dot == 0 || name.find('/') != std::string::npos) return std::nullopt;
        view_kind = name.substr(dot + 1);
        if (view_kind != "html" && view_kind != "txt") return std::nullopt;
        seg = {"message", name.substr(0, dot), "view"};
    } else {
        if (path.substr(0, 8) != "/api/v1/") return std::nullopt;
        for (std::string_view rest = path.substr(8); !rest.empty();) {
            const auto slash = rest.find('/');
            seg.push_back(percent_decode(rest.substr(0, slash), false));
            rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
        }
    }
    if (seg.empty()) return std::nullopt;
    std::optional<ApiResponse> r = route(method, seg, view_kind, query, body);
    if (r) r->headers.insert(r->headers.begin(), {"X-Content-Type-Options", "nosniff"});
    return r;
}

std::optional<ApiResponse> MailpitApi::route(std::string_view method, const std::vector<std::string>& seg,
                                             const std::string& view_kind,
                                             const std::map<std::string, std::string>& query, std::string_view body) {
    const bool get = method == "GET" || method == "HEAD";
    auto not_allowed = [&] { return error(405, "method " + std::string(method) + " is not allowed here"); };

    // Messages matching a query (all for an empty one), newest first, with their summaries.
    auto matching = [&](const std::string& q, std::vector<InboxEntry>& all) {
        const auto terms = parse_search_query(q);
        std::vector<std::pair<const InboxEntry*, const MailSummary*>> out;
        for (const auto& e : all)
            if (const MailSummary* s = summary(e); s && search_matches(terms, *s, e.read)) out.push_back({&e, s});
        return out;
    };
    auto listing = [&](const std::string& q) {
        std::vector<InboxEntry> all = sorted_entries();
        const auto found = matching(q, all);
        const int start = number_param(query, "start", 0);
        int limit = number_param(query, "limit", k_default_limit);
        if (limit <= 0) limit = k_default_limit;
        json messages = json::array();
        std::size_t unread = 0, found_unread = 0;
        for (const auto& e : all) unread += !e.read;
        for (const auto& f : found) found_unread += !f.first->read;
        for (std::size_t i = static_cast<std::size_t>(start); i < found.size() && messages.size() < static_cast<std::size_t>(limit); ++i)
            messages.push_back(list_item(*found[i].first, *found[i].second));
        return json_response(json{{"total", all.size()},
                                  {"unread", unread},
                                  {"count", messages.size()},
                                  {"messages_count", found.size()},
                                  {"messages_unread", found_unread},
                                  {"start", start},
                                  {"tags", json::array()},
                                  {"messages", messages}});
    };
    // The messages a DELETE or PUT names: these IDs (404 for one that is not here), else those
    // matching the search (all when it is empty). Fills `chosen`; an error response otherwise.
    auto choose = [&](std::vector<InboxEntry>& all, const std::vector<std::string>& ids, const std::string& q,
                      std::vector<const InboxEntry*>& chosen) -> std::optional<ApiResponse> {
        if (ids.empty()) {
            for (const auto& f : matching(q, all)) chosen.push_back(f.first);
            return std::nullopt;
        }
        for (const std::string& id : ids) {
            auto it = std::find_if(all.begin(), all.end(), [&](const InboxEntry& e) { return e.id == id; });
            if (it == all.end()) return error(404, "no message with ID " + id);
            chosen.push_back(&*it);
        }
        return std::nullopt;
    };
    // Deletes the messages matching a query, or these IDs; all when both are empty.
    auto remove = [&](const std::vector<std::string>& ids, const std::string& q) {
        std::vector<InboxEntry> all = sorted_entries();
        ApiResponse r = ok_text();
        const bool everything = ids.empty() && q.empty();
        std::vector<const InboxEntry*> chosen;
        if (auto failed = choose(all, ids, q, chosen)) return *failed;
        for (const InboxEntry* e : chosen) {
            if (!remove_all_copies(*e)) return error(500, "could not delete message " + e->id);
            ++deleted_;
            cache_.erase(e->id);
            if (!everything) r.events.push_back(dump(json{{"Type", "delete"}, {"Data", {{"ID", e->id}}}}));
        }
        if (everything) r.events.push_back(dump(json{{"Type", "truncate"}, {"Data", ""}}));
        return r;
    };
    auto body_json = [&](json& out) {
        if (body.empty()) {
            out = json::object();
            return true;
        }
        out = json::parse(body, nullptr, false);
        return !out.is_discarded() && out.is_object();
    };
    auto id_list = [&](const json& j, std::vector<std::string>& ids) {
        if (!j.contains("IDs") || j["IDs"].is_null()) return true;
        if (!j["IDs"].is_array()) return false;
        for (const auto& v : j["IDs"]) {
            if (!v.is_string()) return false;
            ids.push_back(v.get<std::string>());
        }
        return true;
    };

    const std::string& what = seg[0];
    if (what == "info" && seg.size() == 1) {
        if (!get) return not_allowed();
        std::vector<InboxEntry> all = sorted_entries();
        std::uint64_t size = 0, unread = 0;
        const ApiSettings::RuntimeStats rt = settings_.runtime_stats ? settings_.runtime_stats() : ApiSettings::RuntimeStats{};
        for (const auto& e : all) {
            size += e.size;
            unread += !e.read;
        }
        return json_response(json{{"Version", settings_.version},
                                  {"LatestVersion", settings_.version},
                                  {"Database", settings_.database},
                                  {"DatabaseSize", size},
                                  {"Messages", all.size()},
                                  {"Unread", unread},
                                  {"Tags", json::object()},
                                  {"RuntimeStats",
                                   {{"Uptime", rt.uptime_s},
                                    {"Memory", 0},
                                    {"MessagesDeleted", deleted_},
                                    {"SMTPAccepted", rt.accepted},
                                    {"SMTPAcceptedSize", rt.accepted_size},
                                    {"SMTPRejected", rt.rejected},
                                    {"SMTPIgnored", 0}}}});
    }
    if (what == "webui" && seg.size() == 1) {
        if (!get) return not_allowed();
        std::string allowed;
        for (const auto& p : settings_.release_allowed) allowed += (allowed.empty() ? "" : ", ") + p;
        return json_response(json{{"Label", "relaylab"},
                                  {"MessageRelay",
                                   {{"Enabled", !settings_.release_allowed.empty()},
                                    {"SMTPServer", settings_.release_via},
                                    {"AllowedRecipients", allowed},
                                    {"RecipientAllowlist", allowed},
                                    {"BlockedRecipients", ""},
                                    {"OverrideFrom", ""},
                                    {"ReturnPath", ""},
                                    {"PreserveMessageIDs", true}}},
                                  {"SpamAssassin", false},
                                  {"ChaosEnabled", false},
                                  {"DuplicatesIgnored", false},
                                  {"HideDeleteAllButton", false}});
    }
    if (what == "tags" && seg.size() == 1) {
        if (!get) return not_allowed();
        return json_response(json::array());
    }
    if (what == "messages" && seg.size() == 1) {
        if (get) return listing("");
        json j;
        std::vector<std::string> ids;
        if (!body_json(j) || !id_list(j, ids)) return error(400, "the body must be JSON like {\"IDs\": [\"…\"]}");
        if (method == "DELETE") return remove(ids, "");
        if (method == "PUT") {
            // Read status (default false, as Mailpit): these IDs, or a search, or everything.
            const bool read = j.contains("Read") && j["Read"].is_boolean() && j["Read"].get<bool>();
            const std::string search = j.contains("Search") && j["Search"].is_string() ? j["Search"].get<std::string>() : "";
            std::vector<InboxEntry> all = sorted_entries();
            ApiResponse r = ok_text();
            std::vector<const InboxEntry*> chosen;
            if (auto failed = choose(all, ids, search, chosen)) return *failed;
            for (const InboxEntry* e : chosen) {
                if (e->read == read) continue;
                if (!set_read_all_copies(*e, read)) return error(500, "could not update message " + e->id);
                r.events.push_back(dump(json{{"Type", "update"}, {"Data", {{"ID", e->id}, {"Read", read}}}}));
            }
            return r;
        }
        return not_allowed();
    }
    if (what == "search" && seg.size() == 1) {
        const auto q = query.find("query");
        const std::string text = q == query.end() ? "" : q->second;
        if (get) {
            if (text.empty()) return error(400, "search: the query parameter is empty");
            return listing(text);
        }
        if (method == "DELETE") {
            if (text.empty()) return error(400, "search: the query parameter is empty");
            return remove({}, text);
        }
        return not_allowed();
    }
    if (what != "message" || seg.size() < 2) return std::nullopt;

    // /api/v1/message/{ID}[/…]
    std::vector<InboxEntry> all = sorted_entries();
    const InboxEntry* entry = nullptr;
    if (seg[1] == "latest") {
        if (!all.empty()) entry = &all.front();
    } else {
        for (const auto& e : all)
            if (e.id == seg[1]) entry = &e;
    }
    const std::string sub = seg.size() > 2 ? seg[2] : "";
    const bool known = (seg.size() == 2) ||
                       (seg.size() == 3 && (sub == "headers" || sub == "raw" || sub == "release" || sub == "view")) ||
                       (seg.size() == 4 && sub == "part");
    if (!known) return std::nullopt;
    if (sub == "release" ? method != "POST" : !get) return not_allowed();
    if (!entry) return error(404, seg[1] == "latest" ? "there are no messages" : "no message with ID " + seg[1]);
    auto content = store_.content(*entry);
    if (!content) return error(404, "message " + entry->id + " could not be read");

    if (sub == "raw") {
        ApiResponse r;
        r.content_type = "text/plain; charset=utf-8";
        r.body = std::move(*content);
        return r;
    }
    if (sub == "headers") {
        std::map<std::string, std::vector<std::string>> headers;  // alphabetical, as Mailpit
        for (const MimeField& f : parse_mime_fields(split_header_section(*content).header))
            headers[f.name].push_back(f.value);
        return json_response(json(headers));
    }
    const MimePart root = parse_mime(*content);
    if (sub == "part") {
        const MimePart* part = find_part(root, seg[3]);
        if (!part || part->is_multipart()) return error(404, "message " + entry->id + " has no part " + seg[3]);
        ApiResponse r;
        r.content_type = part->content_type;
        if (auto cs = part->type_params.find("charset"); cs != part->type_params.end())
            r.content_type += "; charset=" + cs->second;
        r.body = part->decoded();
        r.headers.push_back({"Content-Security-Policy", k_content_policy});
        return r;
    }
    if (sub == "view") {
        const MimeView view = mime_view(root);
        ApiResponse r;
        if (view_kind == "html") {
            if (!view.html) return error(404, "message " + entry->id + " has no HTML part");
            r.content_type = "text/html; charset=utf-8";
            r.body = view.html->text();
        } else {
            r.content_type = "text/plain; charset=utf-8";
            r.body = view.text ? view.text->text() : "";
        }
        r.headers.push_back({"Content-Security-Policy", k_content_policy});
        return r;
    }
    if (sub == "release") {
        if (settings_.release_allowed.empty())
            return error(403, "release is off: sandbox.release_allowed in relaylab.toml names no recipients");
        json j;
        if (!body_json(j) || !j.contains("To") || !j["To"].is_array() || j["To"].empty())
            return error(400, "the body must be JSON like {\"To\": [\"someone@example.test\"]}");
        ReleaseRequest rel;
        for (const auto& v : j["To"]) {
            if (!v.is_string()) return error(400, "To must be a list of addresses");
            const std::string a = v.get<std::string>();
            // Each one must be a mailbox the relay could send to (RFC 5321 §4.1.2 Forward-path).
            const auto parsed = parse_forward_path("<" + a + ">", true);
            if (!parsed || parsed.value.mailbox.domain.empty()) return error(400, "not a mail address: \"" + a + "\"");
            if (!release_allowed(settings_.release_allowed, a))
                return error(403, "release to " + a + " refused: it matches nothing in sandbox.release_allowed");
            rel.to.push_back(a);
        }
        if (rel.to.size() > k_max_release_recipients) return error(400, "at most 100 recipients per release");
        rel.id = entry->id;
        const MailSummary* s = summary(*entry);
        rel.sender = s ? s->return_path : "";
        rel.content = strip_delivery_headers(*content);
        ApiResponse r = ok_text();
        r.release = std::move(rel);
        return r;
    }
    // The message itself; reading it marks it read, as in Mailpit.
    const MailSummary* s = summary(*entry);
    if (!s) return error(404, "message " + entry->id + " could not be read");
    const MimeView view = mime_view(root);
    json attachments = json::array(), inlines = json::array();
    for (const MimePart* p : view.attachments) attachments.push_back(attachment_json(*p));
    for (const MimePart* p : view.inlines) inlines.push_back(attachment_json(*p));
    ApiResponse r = json_response(json{
        {"ID", entry->id},
        {"MessageID", s->message_id},
        {"From", address_json(s->from)},
        {"To", address_list_json(s->to)},
        {"Cc", address_list_json(s->cc)},
        {"Bcc", address_list_json(s->bcc)},
        {"ReplyTo", address_list_json(s->reply_to)},
        {"ReturnPath", s->return_path},
        {"Subject", s->subject},
        {"ListUnsubscribe", {{"Header", ""}, {"Links", json::array()}, {"Errors", ""}, {"HeaderPost", ""}}},
        {"Date", iso8601_utc(s->date_ms.value_or(entry->created_ms))},
        {"Tags", json::array()},
        {"Username", ""},
        {"Text", view.text ? view.text->text() : ""},
        {"HTML", view.html ? view.html->text() : ""},
        {"Size", entry->size},
        {"Inline", inlines},
        {"Attachments", attachments}});
    if (!entry->read && method == "GET" && set_read_all_copies(*entry, true))
        r.events.push_back(dump(json{{"Type", "update"}, {"Data", {{"ID", entry->id}, {"Read", true}}}}));
    return r;
}

}  // namespace relaylab::native
