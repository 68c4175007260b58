// libFuzzer harness: arbitrary server bytes into the ReplyParser, in chunks whose sizes come
// from the input. Invariants: no crash (ASan/UBSan); every parsed reply has a code in
// 200..599, at least one line, and lines within the parser's limit.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "engine/reply_parser.hpp"

using namespace relaylab;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    ReplyParser parser;
    std::size_t pos = 0;
    while (pos < size) {
        const std::size_t chunk = 1 + (data[pos] % 61);
        const std::string_view bytes(reinterpret_cast<const char*>(data) + pos, std::min(chunk, size - pos));
        pos += bytes.size();
        parser.feed(bytes);
        while (auto reply = parser.next()) {
            if (reply->code < 200 || reply->code > 599) std::abort();
            if (reply->lines.empty() || reply->lines.size() > 100) std::abort();
            for (const auto& line : reply->lines)
                if (line.size() > 512) std::abort();
        }
    }
    return 0;
}
