// Exports as named files (see the header).
#include "sim/export_file.hpp"

#include <cctype>

#include "sim/export_pcap.hpp"
#include "sim/export_text.hpp"
#include "sim/report.hpp"

namespace relaylab::sim {

namespace {
// Letters, digits, '.', '-', '_' and '@' kept; anything else becomes '_'.
std::string file_safe(const std::string& text) {
    std::string out;
    for (unsigned char ch : text)
        out += (std::isalnum(ch) || ch == '.' || ch == '-' || ch == '_' || ch == '@') ? static_cast<char>(ch) : '_';
    return out;
}
std::string two_digits(std::size_t n) {
    std::string digits = std::to_string(n + 1);
    if (digits.size() < 2) digits.insert(0, 1, '0');
    return digits;
}
}  // namespace

const std::vector<std::string>& export_kinds() {
    static const std::vector<std::string> kinds{"markdown", "text", "json", "pcap", "eml"};
    return kinds;
}

std::vector<MessageCopy> run_message_copies(const RunResult& run) {
    std::vector<MessageCopy> out;
    for (const auto& s : run.steps)
        for (const auto& c : s.changes)
            if (const auto* add = std::get_if<AddMessageCopy>(&c)) out.push_back(add->copy);
    return out;
}

std::optional<ExportFile> export_file(const Scenario& scenario, std::uint64_t seed, const SwitchOverrides& overrides,
                                      const RunResult& run, const std::string& kind, std::size_t index) {
    const std::string base = file_safe(scenario.name.empty() ? "scenario" : scenario.name);
    if (kind == "markdown") return ExportFile{base + ".md", "text/markdown", export_markdown(scenario, seed, overrides, run)};
    if (kind == "text") return ExportFile{base + ".txt", "text/plain", report_text(scenario, seed, run)};
    if (kind == "json") return ExportFile{base + ".json", "application/json", report_json(scenario, seed, run)};
    if (kind == "pcap") return ExportFile{base + ".pcap", "application/vnd.tcpdump.pcap", export_pcap(run.wire), true};
    if (kind == "eml") {
        const auto copies = run_message_copies(run);
        if (index >= copies.size()) return std::nullopt;
        const MessageCopy& c = copies[index];
        std::string where = c.where;
        if (auto sp = where.find(' '); sp != std::string::npos) where = where.substr(sp + 1);
        const std::string name = base + "-" + two_digits(index) + "-" + (c.bounce ? "dsn" : file_safe(c.message)) +
                                 "-" + file_safe(c.host) + "-" + file_safe(where) + ".eml";
        return ExportFile{name, "message/rfc822", c.content};
    }
    return std::nullopt;
}

}  // namespace relaylab::sim
