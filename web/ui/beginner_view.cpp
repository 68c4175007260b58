// The beginner view (Prefs::beginner): MAIL and RCPT lines without their ESMTP parameters
// (SIZE=, BODY=, NOTIFY=, ORCPT=, ...), which the engine's own command parser finds; EHLO's
// capability lines are left out by shown_steps(). "Show all" (Prefs::show_all) brings both back.
#include "engine/command.hpp"
#include "web/ui/widgets.hpp"

namespace relaylab::ui {

std::string beginner_line(const TraceEvent& e) {
    if (e.kind != TraceKind::command || (e.verb != Verb::mail && e.verb != Verb::rcpt)) return event_line(e);
    std::string_view wire = e.wire;
    while (!wire.empty() && (wire.back() == '\n' || wire.back() == '\r')) wire.remove_suffix(1);
    const CommandLine line = split_command(wire);
    const auto args = e.verb == Verb::mail ? parse_mail_args(line.args, true) : parse_rcpt_args(line.args, true);
    if (!args || args.value.params.empty()) return event_line(e);
    // The path ends at its closing '>': what follows are the parameters.
    const std::size_t close = wire.find('>', static_cast<std::size_t>(line.args.data() - wire.data()));
    if (close == std::string_view::npos) return event_line(e);
    const std::size_t n = args.value.params.size();
    return "C: " + std::string(wire.substr(0, close + 1)) + " … (" + std::to_string(n) + (n == 1 ? " parameter" : " parameters") +
           " hidden)";
}

std::string shown_line(const TraceEvent& e, const Model& model) {
    return std::string(event_mark(e)) + (model.hides_details() ? beginner_line(e) : event_line(e));
}

}  // namespace relaylab::ui
