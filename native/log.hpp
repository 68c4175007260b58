#pragma once
// One line per event, as text ("2026-11-28T04:00:00.123Z session-open id=3 ...") or JSON lines.
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace relaylab::native {

enum class LogFormat { text, json };
void set_log_format(LogFormat format);
using LogField = std::pair<std::string_view, std::string>;
void log_event(std::string_view event, std::initializer_list<LogField> fields);
std::string json_escape(std::string_view s);

}  // namespace relaylab::native
