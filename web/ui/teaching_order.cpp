#include "web/ui/teaching_order.hpp"

#include <array>

namespace relaylab::ui {

namespace {
struct Entry {
    const char* name;
    int chapter;
};
// A class meets the protocol first, then how the next hop is found, then what a relay
// may and may not do, then what goes wrong, then attacks.
constexpr std::array k_order{
    Entry{"happy-path", 0},        Entry{"submissions-465", 0},   Entry{"starttls-required", 0},
    Entry{"auth-failed", 0},       Entry{"notify-success", 0},    Entry{"eight-bit-old-server", 0},
    Entry{"smtputf8", 0},          Entry{"bdat-chunking", 0},     Entry{"capture-dev", 0},
    Entry{"relay-prod", 0},
    Entry{"implicit-mx", 1},       Entry{"mx-fallback", 1},       Entry{"null-mx", 1},
    Entry{"nxdomain", 1},          Entry{"dns-servfail", 1},      Entry{"relay-denied", 2},
    Entry{"mail-loop", 2},         Entry{"greylisting", 3},       Entry{"rate-limited", 3},
    Entry{"user-unknown", 3},      Entry{"partial-failure", 3},   Entry{"message-too-large", 3},
    Entry{"mailbox-full", 3},      Entry{"tls-required-failure", 3}, Entry{"backscatter", 4},
    Entry{"smtp-smuggling", 4},
};
}  // namespace

Lesson lesson_of(std::string_view name) {
    for (std::size_t i = 0; i < k_order.size(); ++i)
        if (name == k_order[i].name) return Lesson{k_order[i].chapter, static_cast<int>(i)};
    return Lesson{};
}

const char* chapter_name(int chapter) {
    switch (chapter) {
        case 0: return "Submission basics";
        case 1: return "DNS: finding the next hop";
        case 2: return "Relaying";
        case 3: return "When delivery fails";
        case 4: return "Attacks";
        default: return "More";
    }
}

std::string first_sentence(std::string_view d, std::size_t max_chars) {
    std::size_t end = d.size();
    for (std::size_t i = 0; i + 1 < d.size(); ++i) {
        if ((d[i] == '.' || d[i] == ':' || d[i] == ';') && d[i + 1] == ' ') {
            end = d[i] == '.' ? i + 1 : i;
            break;
        }
    }
    std::string s(d.substr(0, end));
    if (s.size() > max_chars) {
        std::size_t cut = s.rfind(' ', max_chars);
        if (cut == std::string::npos || cut < max_chars / 2) cut = max_chars;
        s = s.substr(0, cut) + "…";
    }
    return s;
}

}  // namespace relaylab::ui
