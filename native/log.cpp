#include "native/log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace relaylab::native {

namespace {
LogFormat g_format = LogFormat::text;
std::mutex g_mutex;

std::string now_iso() {
    const auto now = std::chrono::system_clock::now();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    std::time_t t = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
    return buf;
}

bool needs_quotes(std::string_view v) {
    if (v.empty()) return true;
    for (char c : v)
        if (c == ' ' || c == '"' || c == '=' || static_cast<unsigned char>(c) < 0x20) return true;
    return false;
}
}  // namespace

void set_log_format(LogFormat format) { g_format = format; }

std::string json_escape(std::string_view s) {
    std::string out;
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += ch;
                }
        }
    }
    return out;
}

void log_event(std::string_view event, std::initializer_list<LogField> fields) {
    std::string line;
    if (g_format == LogFormat::json) {
        line = "{\"ts\":\"" + now_iso() + "\",\"event\":\"" + json_escape(event) + "\"";
        for (const auto& [k, v] : fields) line += ",\"" + std::string(k) + "\":\"" + json_escape(v) + "\"";
        line += "}\n";
    } else {
        line = now_iso() + " " + std::string(event);
        for (const auto& [k, v] : fields) {
            // Appended piece by piece (GCC 12 warns falsely on chains of operator+).
            line.append(" ").append(k).append("=");
            if (needs_quotes(v)) line.append("\"").append(json_escape(v)).append("\"");
            else line.append(v);
        }
        line += "\n";
    }
    std::lock_guard lock(g_mutex);
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
}

}  // namespace relaylab::native
