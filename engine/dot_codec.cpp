// The DATA path, RFC 5321 §4.1.1.4 (end of data, CRLF "." CRLF) and §4.5.2 (transparency,
// dot-stuffing). SMTP smuggling (CVE-2023-51764 and relatives): only a real CR LF in the raw
// input starts a line. A bare CR or a bare LF is rewritten to CRLF in the output, but it
// neither starts a line for end-of-data detection nor for dot-unstuffing, so sequences such
// as "\n.\r\n", "\r.\r\n" or "\r\n.\n" never end the data.
#include "engine/dot_codec.hpp"

#include <algorithm>
#include <cstring>

namespace relaylab {
namespace {

// What one pass over a run of raw bytes found out.
struct RunScan {
    std::size_t carriage_returns = 0;
    bool nul = false;
    bool eight_bit = false;
};

// Every search and scan below adds the octets it looks at to an `examined` counter (one
// add per call, not per octet), so tests can bound the work by the input size.

// One vectorisable pass: counts CRs and notices NUL and 8-bit octets.
RunScan scan_run(const char* p, std::size_t n, std::uint64_t& examined) {
    examined += n;
    RunScan r;
    const auto* u = reinterpret_cast<const unsigned char*>(p);
    unsigned char any_or = 0;
    unsigned char any_min = 0xFF;
    while (n > 0) {
        // 8-bit lane counters stay vectorised; 255 bytes at a time cannot overflow them.
        std::size_t chunk = std::min<std::size_t>(n, 255);
        unsigned char crs = 0;
        for (std::size_t k = 0; k < chunk; ++k) {
            unsigned char b = u[k];
            any_or |= b;
            any_min = std::min(any_min, b);
            crs = static_cast<unsigned char>(crs + (b == '\r'));
        }
        r.carriage_returns += crs;
        u += chunk;
        n -= chunk;
    }
    r.nul = any_min == 0;
    r.eight_bit = (any_or & 0x80) != 0;
    return r;
}

// One vectorisable pass over a block of whole lines for the fast path: how many CR or LF
// octets, CR LF pairs and LF "." pairs it holds, and the longest run of chunks without an
// LF (a bound on the longest line).
constexpr std::size_t k_chunk = 128;  // per-chunk byte counters cannot overflow

struct BlockScan {
    std::size_t cr_or_lf = 0, crlf = 0, lf_dot = 0;
    std::size_t max_chunks_without_lf = 0;
    bool nul = false;
    bool eight_bit = false;
};

BlockScan scan_block(const char* p, std::size_t n, std::uint64_t& examined) {
    examined += n;
    BlockScan r;
    const auto* u = reinterpret_cast<const unsigned char*>(p);
    unsigned char any_or = 0;
    unsigned char any_min = 0xFF;
    std::size_t run = 0;
    std::size_t k = 0;
    // Whole chunks while u[k + k_chunk] exists, so the pair tests never read past the block.
    for (; k + k_chunk < n; k += k_chunk) {
        unsigned char ends = 0, lf = 0, crlf = 0, lf_dot = 0;
        for (std::size_t j = 0; j < k_chunk; ++j) {
            const unsigned char b = u[k + j];
            const unsigned char next = u[k + j + 1];
            any_or |= b;
            any_min = std::min(any_min, b);
            const unsigned char is_cr = b == '\r';
            const unsigned char is_lf = b == '\n';
            ends = static_cast<unsigned char>(ends + (is_cr | is_lf));
            lf = static_cast<unsigned char>(lf | is_lf);
            crlf = static_cast<unsigned char>(crlf + (is_cr & (next == '\n')));
            lf_dot = static_cast<unsigned char>(lf_dot | (is_lf & (next == '.')));
        }
        r.cr_or_lf += ends;
        r.crlf += crlf;
        r.lf_dot += lf_dot;
        run = lf == 0 ? run + 1 : 0;
        r.max_chunks_without_lf = std::max(r.max_chunks_without_lf, run);
    }
    for (; k < n; ++k) {
        const unsigned char b = u[k];
        const unsigned char next = k + 1 < n ? u[k + 1] : 0;
        any_or |= b;
        any_min = std::min(any_min, b);
        r.cr_or_lf += b == '\r' || b == '\n';
        r.crlf += (b == '\r') && (next == '\n');
        r.lf_dot += (b == '\n') && (next == '.');
    }
    r.nul = any_min == 0;
    r.eight_bit = (any_or & 0x80) != 0;
    return r;
}

constexpr std::size_t k_block = 32 * 1024;  // fast-path block: stays in the L1/L2 cache

// memchr, counting the octets up to and including the hit (all of them without one).
const char* find_byte(const char* p, const char* end, char c, std::uint64_t& examined) {
    const auto* hit = static_cast<const char*>(std::memchr(p, c, static_cast<std::size_t>(end - p)));
    examined += static_cast<std::uint64_t>((hit != nullptr ? hit + 1 : end) - p);
    return hit;
}

}  // namespace

DataDecoder::DataDecoder(std::size_t max_line, std::uint64_t max_size) : max_line_(max_line), max_size_(max_size) {}

void DataDecoder::reset() {
    state_ = State::line_start;
    line_len_ = 0;
    size_ = 0;
    examined_ = 0;
    bare_lf_ = bare_cr_ = nul_ = eight_bit_ = false;
    line_too_long_ = too_large_ = false;
}

// Stores decoded bytes up to max_size_ in total, so what is stored does not depend on how
// the input was split; beyond that only counts.
void DataDecoder::emit(std::string& out, std::string_view bytes) {
    if (!too_large_) {
        std::uint64_t room = max_size_ - size_;
        if (bytes.size() > room) {
            too_large_ = true;
            out.append(bytes.data(), static_cast<std::size_t>(room));
        } else {
            out.append(bytes.data(), bytes.size());
        }
    }
    size_ += bytes.size();
}

void DataDecoder::emit_crlf(std::string& out) { emit(out, std::string_view("\r\n", 2)); }

// `n` more raw octets belong to the current line (its CRLF not included).
void DataDecoder::count_line(std::size_t n) {
    line_len_ += n;
    // RFC 5321 §4.5.3.1.6: at most 1000 octets per text line, CRLF included.
    if (line_len_ + 2 > max_line_) line_too_long_ = true;
}

DataDecoder::Result DataDecoder::feed(std::string_view in, std::string& out) {
    const char* const begin = in.data();
    const char* const end = begin + in.size();
    const char* p = begin;
    // Bytes before this point already failed the clean-lines fast path once; they go
    // through the careful path, which keeps the whole feed linear.
    const char* careful_until = begin;
    // Likewise for the block fast path: a block that failed its check is not scanned again.
    const char* no_block_until = begin;
    // The next LF at or after some earlier position (`end` if there is none): kept so that a
    // run of bare CRs does not search the same LF-free stretch again for every CR.
    const char* next_lf = nullptr;
    // Counted locally (a register) and stored once on the way out.
    std::uint64_t examined = 0;

    while (p < end) {
        const unsigned char c = static_cast<unsigned char>(*p);
        switch (state_) {
        case State::line_start: {
            if (c == '.') {  // maybe the end of data, maybe a stuffed dot
                // The stuffed dot is not counted in the line length (RFC 5321 §4.5.3.1.6).
                state_ = State::dot;
                ++p;
                break;
            }
            if (c == '\r') {
                state_ = State::cr;
                ++p;
                break;
            }
            if (c == '\n') {  // bare LF at a line start: an empty line, but no line start
                bare_lf_ = true;
                emit_crlf(out);
                line_len_ = 0;
                state_ = State::mid_line;
                ++p;
                break;
            }
            if (p >= careful_until) {
                // Fastest path: a block of whole lines checked by counting in one pass
                // (every CR and every LF is part of a CR LF pair, no line starts with
                // "."), copied in one piece. A possible long line goes to the next path.
                // A line too long for max_line_ holds max_line_ octets without an LF (its
                // content and CR), so at least this many whole chunks without one.
                const std::size_t min_chunks =
                    max_line_ >= 2 * k_chunk - 1 ? (max_line_ - (k_chunk - 1)) / k_chunk : 0;
                // The block's end is searched only where a block may start: searching it
                // at every line start of a failed block would walk the same LF-free tail
                // again and again.
                const char* last_lf = p;
                if (min_chunks > 0 && p >= no_block_until) {
                    const char* limit = std::min(end, p + k_block);
                    last_lf = limit;
                    while (last_lf > p && last_lf[-1] != '\n') --last_lf;
                    examined += static_cast<std::uint64_t>(limit - last_lf);
                }
                if (last_lf > p) {
                    const std::size_t n = static_cast<std::size_t>(last_lf - p);
                    BlockScan scan = scan_block(p, n, examined);
                    // Each CR LF pair holds one CR and one LF, so every CR and every LF is
                    // in a pair exactly when there are twice as many of them as pairs.
                    if (scan.cr_or_lf == 2 * scan.crlf && scan.lf_dot == 0 &&
                        scan.max_chunks_without_lf < min_chunks) {
                        nul_ = nul_ || scan.nul;
                        eight_bit_ = eight_bit_ || scan.eight_bit;
                        emit(out, std::string_view(p, n));
                        line_len_ = 0;
                        p = last_lf;  // still at a real line start
                        break;
                    }
                    no_block_until = last_lf;
                }
                // Fast path: a batch of whole, clean lines ("...\r\n", none starting with
                // "."), whose output equals their input, copied in one piece.
                const char* q = p;
                std::size_t lines = 0;
                std::size_t longest = 0;
                while (q < end && *q != '.' && *q != '\r' && *q != '\n') {
                    const char* lf = find_byte(q, end, '\n', examined);
                    if (lf == nullptr || lf[-1] != '\r') break;
                    longest = std::max(longest, static_cast<std::size_t>(lf - 1 - q));
                    ++lines;
                    q = lf + 1;
                }
                if (lines > 0) {
                    RunScan scan = scan_run(p, static_cast<std::size_t>(q - p), examined);
                    if (scan.carriage_returns == lines) {
                        nul_ = nul_ || scan.nul;
                        eight_bit_ = eight_bit_ || scan.eight_bit;
                        if (longest + 2 > max_line_) line_too_long_ = true;
                        emit(out, std::string_view(p, static_cast<std::size_t>(q - p)));
                        line_len_ = 0;
                        p = q;  // still at a real line start
                        break;
                    }
                    careful_until = q;  // a bare CR hides in there
                }
            }
            state_ = State::mid_line;
            break;  // the byte is handled as the first of a line's content
        }
        case State::mid_line: {
            // Copy the run up to the next CR or LF in one piece.
            if (next_lf == nullptr || next_lf < p) {
                next_lf = find_byte(p, end, '\n', examined);
                if (next_lf == nullptr) next_lf = end;
            }
            const char* stop = next_lf;
            const char* cr = find_byte(p, stop, '\r', examined);
            if (cr) stop = cr;
            if (stop > p) {
                std::size_t n = static_cast<std::size_t>(stop - p);
                RunScan scan = scan_run(p, n, examined);
                nul_ = nul_ || scan.nul;
                eight_bit_ = eight_bit_ || scan.eight_bit;
                count_line(n);
                emit(out, std::string_view(p, n));
                p = stop;
            }
            if (p == end) break;
            if (*p == '\r') {
                state_ = State::cr;
            } else {  // bare LF: normalised, but the next byte is not at a line start
                bare_lf_ = true;
                emit_crlf(out);
                line_len_ = 0;
            }
            ++p;
            break;
        }
        case State::cr:
            if (c == '\n') {  // a real CRLF: the only thing that starts a line
                emit_crlf(out);
                line_len_ = 0;
                state_ = State::line_start;
                ++p;
            } else {  // bare CR: normalised; this byte is handled again mid-line
                bare_cr_ = true;
                emit_crlf(out);
                line_len_ = 0;
                state_ = State::mid_line;
                if (c == '\r') {
                    state_ = State::cr;
                    ++p;
                }
            }
            break;
        case State::dot:
            if (c == '\r') {
                state_ = State::dot_cr;
                ++p;
            } else if (c == '\n') {
                // "." bare-LF: not the end of data; the dot stays as content.
                bare_lf_ = true;
                emit(out, ".");
                emit_crlf(out);
                line_len_ = 0;
                state_ = State::mid_line;
                ++p;
            } else {
                // Dot-unstuffing (RFC 5321 §4.5.2): the leading dot is dropped; this
                // byte is handled again mid-line.
                state_ = State::mid_line;
            }
            break;
        case State::dot_cr:
            if (c == '\n') {  // CRLF "." CRLF: end of data; the terminator is not content
                ++p;
                state_ = State::line_start;
                line_len_ = 0;
                examined_ += examined;
                return {static_cast<std::size_t>(p - begin), true};
            }
            // "." bare-CR: not the end of data; the dot stays as content.
            bare_cr_ = true;
            emit(out, ".");
            emit_crlf(out);
            line_len_ = 0;
            state_ = State::mid_line;
            if (c == '\r') {
                state_ = State::cr;
                ++p;
            }
            break;
        }
    }
    examined_ += examined;
    return {in.size(), false};
}

namespace {

// Rewrites every line ending (CRLF, bare CR, bare LF) as CRLF; with `stuff`, doubles a
// dot at the start of each line. Returns the octets examined.
std::uint64_t append_lines(std::string_view content, std::string& out, bool stuff) {
    const char* p = content.data();
    const char* const end = p + content.size();
    out.reserve(out.size() + content.size() + content.size() / 32 + 8);
    bool line_start = true;
    std::uint64_t examined = 0;
    const char* next_lf = nullptr;  // as in DataDecoder::feed: each LF-free stretch is searched once
    while (p < end) {
        if (line_start && stuff && *p == '.') out += '.';
        line_start = false;
        if (next_lf == nullptr || next_lf < p) {
            next_lf = find_byte(p, end, '\n', examined);
            if (next_lf == nullptr) next_lf = end;
        }
        const char* stop = next_lf;
        const char* cr = find_byte(p, stop, '\r', examined);
        if (cr) stop = cr;
        out.append(p, static_cast<std::size_t>(stop - p));
        p = stop;
        if (p == end) break;
        if (*p == '\r' && p + 1 < end && p[1] == '\n') ++p;
        ++p;
        out += "\r\n";
        line_start = true;
    }
    return examined;
}

}  // namespace

void dot_stuff_append(std::string_view content, std::string& out, std::uint64_t* octets_examined) {
    const std::uint64_t examined = append_lines(content, out, true);
    if (octets_examined != nullptr) *octets_examined += examined;
    if (!content.empty() && content.back() != '\n' && content.back() != '\r') out += "\r\n";
    out += ".\r\n";
}

std::string dot_stuff(std::string_view content, std::uint64_t* octets_examined) {
    std::string out;
    dot_stuff_append(content, out, octets_examined);
    return out;
}

std::string normalize_crlf(std::string_view content, std::uint64_t* octets_examined) {
    std::string out;
    const std::uint64_t examined = append_lines(content, out, false);
    if (octets_examined != nullptr) *octets_examined += examined;
    return out;
}

}  // namespace relaylab
