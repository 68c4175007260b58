// libFuzzer harness: spool recovery (native/spool.cpp) reading segment files that a crash,
// a broken disk or a hostile local user could leave behind. The input is a little program
// that writes one or more segment files into a fresh state directory:
//   op 0: raw bytes (anything at all, copied as they are);
//   op 1: a MESSAGE record with a correct checksum (the harness seals it like the spool);
//   op 2: the same, then one bit of it flipped, so its checksum fails;
//   op 3: a STATE record (sealed) for an earlier message, with fuzzed state lines;
//   op 4: a DONE record (sealed) for an earlier message;
//   op 5: start the next segment file.
// Then Spool::init + Spool::recover run as at the relay's start. Invariants:
//   - never crashes (ASan/UBSan), never throws;
//   - a message whose only record failed its checksum is never resurrected;
//   - a sealed message in a segment with nothing damaged before it, and not cancelled by a
//     DONE, is recovered, and load_content returns exactly its content.
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "engine/ids.hpp"
#include "native/spool.hpp"

using namespace relaylab;
namespace fs = std::filesystem;

namespace {

// The on-disk record format, as native/spool.hpp describes it: magic "RLSG", type, payload
// length, hash64 of the payload keyed by the type, then the payload.
constexpr std::uint32_t kMagic = 0x47534c52;
std::string seal(std::uint32_t type, std::string_view payload) {
    std::string rec(24, '\0');
    const std::uint64_t len = payload.size();
    const std::uint64_t sum = hash64(0x72656c61796c6162ull ^ type, payload);
    std::memcpy(rec.data(), &kMagic, 4);
    std::memcpy(rec.data() + 4, &type, 4);
    std::memcpy(rec.data() + 8, &len, 8);
    std::memcpy(rec.data() + 16, &sum, 8);
    rec += payload;
    return rec;
}

char g_state_dir[] = "/tmp/relaylab-fuzz-spool.XXXXXX";  // a plain array: outlives exit()

const std::string& state_dir() {
    static const std::string dir = [] {
        if (!::mkdtemp(g_state_dir)) std::abort();
        std::atexit([] {  // libFuzzer ends a timed run with exit(): leave no folder behind
            std::error_code ec;
            fs::remove_all(g_state_dir, ec);
        });
        return std::string(g_state_dir);
    }();
    return dir;
}

struct Reader {
    const std::uint8_t* p;
    std::size_t n;
    std::uint8_t byte() {
        if (!n) return 0;
        --n;
        return *p++;
    }
    std::string_view bytes(std::size_t want) {
        want = std::min(want, n);
        std::string_view v(reinterpret_cast<const char*>(p), want);
        p += want;
        n -= want;
        return v;
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string dir = state_dir();
    const std::string log_dir = dir + "/spool/log";
    std::error_code ec;
    fs::remove_all(dir + "/spool", ec);
    fs::create_directories(log_dir, ec);
    if (ec) std::abort();

    std::vector<std::string> segments(1);
    bool damaged = false;          // something before, in the current segment, may be unreadable
    std::map<std::string, std::string> must_recover;  // id -> content
    std::set<std::string> corrupted, cancelled, sealed;
    std::string raw_all;           // every raw byte written (ids found in it are exempt)
    std::vector<std::string> ids;  // messages sealed or corrupted so far, for STATE / DONE
    Reader in{data, size};
    while (in.n && segments.size() <= 8) {
        const std::uint8_t op = in.byte() % 6;
        if (op == 0) {
            const std::string_view raw = in.bytes(1 + in.byte() % 200);
            segments.back() += raw;
            raw_all += raw;
            damaged = true;
        } else if (op == 1 || op == 2) {
            const std::string id = "Q" + std::to_string(ids.size()) + (op == 2 ? "BAD" : "OK");
            const std::string content =
                "Subject: " + id + "\r\n\r\n" + std::string(in.bytes(in.byte() % 64)) + "\r\n";
            std::string payload = "relaylab-spool 1\nid " + id + "\ncreated 1\nsender a@lab.test\nenvid %\nret 0\n"
                                  "client 127.0.0.1\nauth %\nsize " + std::to_string(content.size()) +
                                  "\nrcpt b@dest.test % -FD-\n\n" + content;
            std::string rec = seal(1, payload);
            if (op == 2) {
                const std::size_t bit = (in.byte() | std::size_t{in.byte()} << 8) % ((rec.size() - 16) * 8);
                rec[16 + bit / 8] ^= static_cast<char>(1u << (bit % 8));  // the sum or the payload
                corrupted.insert(id);
                damaged = true;
            } else {
                sealed.insert(id);
                if (!damaged) must_recover[id] = content;
            }
            ids.push_back(id);
            segments.back() += rec;
        } else if (op == 3 || op == 4) {
            if (ids.empty()) continue;
            const std::string& id = ids[in.byte() % ids.size()];
            if (op == 3) {
                segments.back() += seal(2, "id " + id + "\n" + std::string(in.bytes(in.byte() % 96)));
            } else {
                segments.back() += seal(3, id);
                // Behind damage in its segment, a DONE may never be read: then it is unknown
                // whether the message comes back, and neither invariant applies to it.
                if (!damaged) cancelled.insert(id);
                must_recover.erase(id);
            }
        } else {
            segments.emplace_back();
            damaged = false;
        }
    }
    for (std::size_t i = 0; i < segments.size(); ++i) {
        char name[32];
        std::snprintf(name, sizeof name, "/%016zu.seg", i + 1);
        std::ofstream(log_dir + name, std::ios::binary) << segments[i];
    }

    native::Spool spool(dir, /*fsync=*/false);
    std::string error;
    if (!spool.init(error)) std::abort();
    std::vector<std::string> problems;
    const auto recovered = spool.recover(problems);
    std::set<std::string> seen;
    for (const auto& [q, info] : recovered) {
        if (!seen.insert(q.id).second) std::abort();  // one message recovered twice
        // A record that failed its checksum must never come back (unless the raw bytes forged
        // a valid record of the same name, which is then a record like any other).
        if (corrupted.count(q.id) && raw_all.find(q.id) == std::string::npos) std::abort();
        if (cancelled.count(q.id) && raw_all.find(q.id) == std::string::npos) std::abort();
        std::string content;
        if (sealed.count(q.id) && !spool.load_content(q.id, content)) std::abort();
    }
    for (const auto& [id, content] : must_recover) {
        if (raw_all.find(id) != std::string::npos) continue;  // a forged DONE may cancel it
        if (!seen.count(id)) std::abort();                     // a good message lost
        std::string got;
        if (!spool.load_content(id, got) || got != content) std::abort();
    }
    return 0;
}
