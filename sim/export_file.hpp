#pragma once
// Every export of a run as a named file, for the CLI (`relaylab sim --format`) and the
// page's Export menu (relaylab.exportFile / download): one place knows names and types.
//   markdown  the handout (sim/export_text.hpp)
//   text      the readable transcript (report_text)
//   json      the typed trace (report_json)
//   pcap      the traffic as libpcap (sim/export_pcap.hpp)
//   eml       one message copy or notice as stored by a host (index: which one)
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/scenario.hpp"
#include "sim/world.hpp"

namespace relaylab::sim {

struct ExportFile {
    std::string name;  // "happy-path.md", "happy-path-03-m1-mx1.dest.test.eml"
    std::string mime;  // "text/markdown", "application/vnd.tcpdump.pcap", "message/rfc822", ...
    std::string bytes;
    bool binary = false;  // not text (pcap)
};

// Every message copy and notice of the run, in the order hosts stored them.
std::vector<MessageCopy> run_message_copies(const RunResult& run);

// nullopt for an unknown kind or an eml index out of range.
std::optional<ExportFile> export_file(const Scenario& scenario, std::uint64_t seed, const SwitchOverrides& overrides,
                                      const RunResult& run, const std::string& kind, std::size_t index = 0);

// The kinds export_file knows.
const std::vector<std::string>& export_kinds();

}  // namespace relaylab::sim
