#pragma once
// The DATA path (RFC 5321 §4.1.1.4, §4.5.2): end-of-data detection, dot-unstuffing and
// dot-stuffing. Security critical (SMTP smuggling, CVE-2023-51764 class): the only end of
// data is CR LF "." CR LF where the CR LF before the dot is a real CR LF in the raw input.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace relaylab {

// Incremental decoder of DATA content as received from the wire. At a real line start a
// leading "." is removed (dot-unstuffing), except when a bare CR or bare LF follows it:
// such a "." line is what a smuggling attempt looks like, and it stays as content.
class DataDecoder {
public:
    explicit DataDecoder(std::size_t max_line = 1000, std::uint64_t max_size = UINT64_MAX);
    struct Result {
        std::size_t consumed;
        bool done;
    };
    // Appends decoded content to `out`; stops right after the terminating CRLF "." CRLF
    // (done = true), leaving the rest of `in` unconsumed (pipelined commands may follow).
    Result feed(std::string_view in, std::string& out);
    bool saw_bare_lf() const { return bare_lf_; }
    bool saw_bare_cr() const { return bare_cr_; }
    bool saw_nul() const { return nul_; }
    bool saw_8bit() const { return eight_bit_; }
    // Some line exceeded max_line octets including CRLF (RFC 5321 §4.5.3.1.6); the dot
    // added for transparency is not counted. Bare CR / bare LF end a line for this count.
    bool line_too_long() const { return line_too_long_; }
    // Decoded size exceeded max_size; decoding continues but stops storing.
    bool too_large() const { return too_large_; }
    // Decoded octets (counted even when no longer stored).
    std::uint64_t size() const { return size_; }
    // Raw octets looked at by the searches and scans since construction or reset(), each
    // look counted once (a search counts up to its hit). A measure of work, not of output:
    // tests bound it by a small multiple of the input to prove decoding stays linear.
    std::uint64_t octets_examined() const { return examined_; }
    void reset();

private:
    // Where the decoder stands between two raw bytes.
    enum class State : unsigned char {
        line_start,  // after a real CRLF (or at the very start): a "." here is special
        dot,         // saw "." at a line start
        dot_cr,      // saw "." CR at a line start
        mid_line,    // inside a line
        cr,          // saw CR inside a line (or a CR that followed a stuffed dot)
    };
    void emit(std::string& out, std::string_view bytes);
    void emit_crlf(std::string& out);
    void count_line(std::size_t n);

    std::size_t max_line_;
    std::uint64_t max_size_;
    State state_ = State::line_start;
    std::size_t line_len_ = 0;  // octets of the current line so far (no CRLF, no stuffed dot)
    std::uint64_t size_ = 0;
    std::uint64_t examined_ = 0;
    bool bare_lf_ = false, bare_cr_ = false, nul_ = false, eight_bit_ = false;
    bool line_too_long_ = false, too_large_ = false;
};

// Encodes a message for DATA: every line ending becomes CRLF (bare CR and bare LF are
// normalised to CRLF), lines starting with "." get an extra ".", a final CRLF is added if
// missing, then ".\r\n" terminates. With `octets_examined`, the octets looked at are
// added to it (as DataDecoder::octets_examined counts them).
std::string dot_stuff(std::string_view content, std::uint64_t* octets_examined = nullptr);
void dot_stuff_append(std::string_view content, std::string& out, std::uint64_t* octets_examined = nullptr);
// Normalise line endings of BDAT / stored content: bare CR or bare LF -> CRLF.
std::string normalize_crlf(std::string_view content, std::uint64_t* octets_examined = nullptr);

}  // namespace relaylab
