#pragma once
// The wire view of one step: the exact octets it stands for, line by line, with what each
// line means on the wire (dot-stuffing, a bare LF that does not end the data, a BDAT chunk
// size, AUTH credentials and what they decode to), and what an observer on the path sees of
// them (cleartext, or TLS records with their lengths). The page's Wire panel and
// relaylab.wire() show this; nothing here decides anything about the protocol.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "sim/step.hpp"
#include "sim/wire.hpp"

namespace relaylab::sim {

struct WireNote {
    std::string text;
    std::string rfc;
};

struct WireLine {
    WireDir dir = WireDir::to_server;
    std::string bytes;  // one line, its line ending included (CR LF, or a bare LF)
    bool tls = false;   // travelled inside TLS: an observer sees only records
    std::vector<WireNote> notes;
    std::size_t secret_begin = 0, secret_end = 0;  // AUTH credentials within bytes (begin == end: none)
    std::string secret_decoded;  // what the credentials decode to ("user alice@lab.test, password …")
    std::string secret_user, secret_password;  // AUTH PLAIN's, once decoded
};

struct WireObserved {
    WireDir dir = WireDir::to_server;
    std::string label;    // "TLS application data: 47 octets on the wire, 25 octets of SMTP inside"
    std::size_t length = 0;  // octets on the wire
    std::size_t smtp_length = 0;  // SMTP octets it carries (a pipelined write carries several lines)
    bool opaque = false;  // TLS: the content cannot be read on the path
};

struct WireStepView {
    int connection = -1;  // -1: the step put no octets on the wire
    std::string client, server;
    int port = 0;
    bool tls = false;  // the step's octets travelled inside TLS
    std::vector<WireLine> lines;
    std::vector<WireObserved> observer;  // what the path sees of this step
    std::string summary;  // one sentence about the step's octets
};

WireStepView wire_step_view(const std::vector<Step>& steps, const WireLog& log, std::size_t step_index);

// Octets as printable text: "\r", "\n", "\t", "\\", "\xNN" for the rest of the controls
// and for octets above 0x7e... kept as UTF-8 when valid.
std::string wire_escaped(std::string_view bytes);

// Splits octets after each LF (a line keeps its ending; a last part without LF is kept).
std::vector<std::string> wire_split_lines(std::string_view bytes);

}  // namespace relaylab::sim
