// libFuzzer harness: hostile mail through the inbox's MIME reader and summary (the relay
// parses every captured message it lists). The input is a whole message; the harness also
// searches it with a query taken from its first line.
// Invariants:
//   - never crashes, never reads out of bounds (ASan/UBSan), terminates;
//   - the tree is at most k_max_mime_depth deep, part IDs are unique and find_part finds
//     each leaf by its ID;
//   - every part's raw body lies inside the input (the tree only views it);
//   - the snippet holds at most k_snippet_chars characters.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "engine/mail_summary.hpp"
#include "engine/mime_header.hpp"
#include "engine/mime_message.hpp"

using namespace relaylab;

namespace {

void require(bool cond) {
    if (!cond) std::abort();
}

void walk(const MimePart& root, const MimePart& p, std::string_view input, int depth, std::set<std::string>& ids) {
    require(depth <= k_max_mime_depth);
    require(p.raw_body.empty() || (p.raw_body.data() >= input.data() &&
                                   p.raw_body.data() + p.raw_body.size() <= input.data() + input.size()));
    if (!p.part_id.empty()) {
        require(ids.insert(p.part_id).second);
        require(find_part(root, p.part_id) == &p);
    }
    (void)p.text();
    for (const MimePart& c : p.children) walk(root, c, input, depth + 1, ids);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const MimePart root = parse_mime(input);
    std::set<std::string> ids;
    walk(root, root, input, 0, ids);
    const MimeView view = mime_view(root);
    for (const MimePart* p : view.attachments) require(!p->is_multipart() || p->children.empty());
    const MailSummary s = summarize_message(input, {"a@b.test"});
    std::size_t chars = 0;
    for (char c : s.snippet) chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    require(chars <= k_snippet_chars);
    const std::string_view first = input.substr(0, input.find('\n'));
    (void)search_matches(parse_search_query(first), s, false);
    (void)parse_rfc5322_date(first);
    (void)parse_address_list(first);
    (void)parse_mime_value(first);
    (void)decode_encoded_words(first);
    return 0;
}
