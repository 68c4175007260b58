#include "engine/mail_summary.hpp"

#include "engine/ascii.hpp"
#include "engine/mime_message.hpp"

namespace relaylab {

namespace {

bool space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

std::string collapse_whitespace(std::string_view s) {
    std::string out;
    bool gap = false;
    for (char c : s) {
        if (space(c)) {
            gap = !out.empty();
            continue;
        }
        if (gap) out += ' ';
        gap = false;
        out += c;
    }
    return out;
}

// The first n characters (code points) of UTF-8 text.
std::string utf8_prefix(std::string_view s, std::size_t n) {
    std::size_t chars = 0, i = 0;
    for (; i < s.size(); ++i) {
        if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
            if (chars == n) break;
            ++chars;
        }
    }
    return std::string(s.substr(0, i));
}

std::string unbracket(std::string s) {
    if (s.size() >= 2 && s.front() == '<' && s.back() == '>') s = s.substr(1, s.size() - 2);
    return s;
}

bool contains_icase(std::string_view hay, std::string_view needle) {
    if (needle.empty()) return true;
    if (needle.size() > hay.size()) return false;
    for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i)
        if (ascii_iequals(hay.substr(i, needle.size()), needle)) return true;
    return false;
}

bool address_matches(const MailAddress& a, std::string_view v) {
    return contains_icase(a.address, v) || contains_icase(a.name, v);
}

bool any_matches(const std::vector<MailAddress>& list, std::string_view v) {
    for (const auto& a : list)
        if (address_matches(a, v)) return true;
    return false;
}

}  // namespace

std::string html_to_text(std::string_view html) {
    std::string out;
    std::size_t i = 0;
    while (i < html.size()) {
        if (html.compare(i, 4, "<!--") == 0) {
            const auto end = html.find("-->", i + 4);
            i = end == std::string_view::npos ? html.size() : end + 3;
            continue;
        }
        if (html[i] == '<') {
            const auto end = html.find('>', i);
            if (end == std::string_view::npos) break;
            std::string tag = ascii_lowercase(html.substr(i + 1, end - i - 1));
            i = end + 1;
            for (const char* skip : {"script", "style", "head"}) {
                const std::string open = skip;
                if (tag.rfind(open, 0) == 0 && (tag.size() == open.size() || space(tag[open.size()]))) {
                    const std::string close = "</" + open;
                    std::size_t k = i;
                    while (k < html.size() && !ascii_istarts_with(html.substr(k), close)) ++k;
                    const auto gt = html.find('>', k);
                    i = gt == std::string_view::npos ? html.size() : gt + 1;
                }
            }
            out += ' ';
            continue;
        }
        if (html[i] == '&') {
            static const std::pair<const char*, const char*> entities[] = {
                {"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}, {"&nbsp;", " "}};
            bool done = false;
            for (auto [name, text] : entities) {
                if (ascii_istarts_with(html.substr(i), name)) {
                    out += text;
                    i += std::string_view(name).size();
                    done = true;
                    break;
                }
            }
            if (done) continue;
        }
        out += html[i++];
    }
    return collapse_whitespace(out);
}

MailSummary summarize_message(std::string_view message, const std::vector<std::string>& envelope_recipients) {
    MailSummary s;
    const MimePart root = parse_mime(message);
    const MimeFields& h = root.fields;
    if (auto v = header_value(h, "Message-ID")) s.message_id = unbracket(std::string(*v));
    if (auto v = header_value(h, "Subject")) s.subject = decode_encoded_words(*v);
    if (auto v = header_value(h, "From")) {
        auto list = parse_address_list(*v);
        if (!list.empty()) s.from = list[0];
    }
    if (auto v = header_value(h, "To")) s.to = parse_address_list(*v);
    if (auto v = header_value(h, "Cc")) s.cc = parse_address_list(*v);
    if (auto v = header_value(h, "Bcc")) s.bcc = parse_address_list(*v);
    if (auto v = header_value(h, "Reply-To")) s.reply_to = parse_address_list(*v);
    if (auto v = header_value(h, "Return-Path")) s.return_path = unbracket(std::string(*v));
    if (auto v = header_value(h, "Date")) s.date_ms = parse_rfc5322_date(*v);
    for (const std::string& rcpt : envelope_recipients) {
        auto named = [&](const std::vector<MailAddress>& list) {
            for (const auto& a : list)
                if (ascii_iequals(a.address, rcpt)) return true;
            return false;
        };
        if (!named(s.to) && !named(s.cc) && !named(s.bcc)) s.bcc.push_back({"", rcpt});
    }
    const MimeView view = mime_view(root);
    s.attachments = view.attachments.size();
    if (view.text) s.text = view.text->text();
    else if (view.html) s.text = html_to_text(view.html->text());
    s.snippet = utf8_prefix(collapse_whitespace(s.text), k_snippet_chars);
    return s;
}

std::vector<SearchTerm> parse_search_query(std::string_view query) {
    std::vector<SearchTerm> terms;
    std::size_t i = 0;
    while (i < query.size()) {
        while (i < query.size() && space(query[i])) ++i;
        if (i >= query.size()) break;
        // One term: up to whitespace outside quotes; the quotes go.
        std::string raw;
        bool quoted = false;
        while (i < query.size() && (quoted || !space(query[i]))) {
            if (query[i] == '"') quoted = !quoted;
            else raw += query[i];
            ++i;
        }
        SearchTerm t;
        if (!raw.empty() && (raw[0] == '-' || raw[0] == '!') && raw.size() > 1) {
            t.negated = true;
            raw.erase(0, 1);
        }
        const auto colon = raw.find(':');
        if (colon != std::string::npos) {
            const std::string field = ascii_lowercase(raw.substr(0, colon));
            for (const char* known : {"from", "to", "cc", "bcc", "subject", "message-id", "is", "has"})
                if (field == known) {
                    t.field = field;
                    raw = raw.substr(colon + 1);
                    break;
                }
        }
        t.value = ascii_lowercase(raw);
        if (t.value.empty() && t.field.empty()) continue;
        terms.push_back(std::move(t));
    }
    return terms;
}

bool search_matches(const std::vector<SearchTerm>& terms, const MailSummary& s, bool read) {
    for (const SearchTerm& t : terms) {
        bool m = false;
        const std::string& v = t.value;
        if (t.field == "from") m = address_matches(s.from, v);
        else if (t.field == "to") m = any_matches(s.to, v) || any_matches(s.cc, v) || any_matches(s.bcc, v);
        else if (t.field == "cc") m = any_matches(s.cc, v);
        else if (t.field == "bcc") m = any_matches(s.bcc, v);
        else if (t.field == "subject") m = contains_icase(s.subject, v);
        else if (t.field == "message-id") m = contains_icase(s.message_id, v);
        else if (t.field == "is") m = (v == "read" && read) || (v == "unread" && !read);
        else if (t.field == "has") m = (v == "attachment" || v == "attachments") && s.attachments > 0;
        else
            m = address_matches(s.from, v) || any_matches(s.to, v) || any_matches(s.cc, v) || any_matches(s.bcc, v) ||
                contains_icase(s.subject, v) || contains_icase(s.text, v);
        if (m == t.negated) return false;
    }
    return true;
}

}  // namespace relaylab
