#pragma once
// Deterministic identifiers and a small PRNG for the relay brain. The engine never reads a
// random source (so runs repeat): everything here is a pure function of a seed and a counter, so a
// simulation run repeats byte for byte.
#include <cstdint>
#include <string>
#include <string_view>

namespace relaylab {

// One step of SplitMix64 (Steele, Lea, Flood 2014): a bijective 64-bit mixer. Used both as a
// hash finaliser and to expand a single seed into generator state.
std::uint64_t splitmix64_next(std::uint64_t& state);
std::uint64_t mix64(std::uint64_t x);  // the SplitMix64 output function applied to x

// A 64-bit hash of `text` keyed by `seed` (FNV-1a over the bytes, then mixed). Stable across
// platforms and runs; not for security.
std::uint64_t hash64(std::uint64_t seed, std::string_view text);
// The same, ASCII case folded (for domain names).
std::uint64_t hash64_icase(std::uint64_t seed, std::string_view text);

// xoshiro256** (Blackman, Vigna): a small, fast generator whose state is expanded from one seed
// with SplitMix64. Deterministic; a given seed always yields the same sequence.
class Xoshiro256 {
public:
    explicit Xoshiro256(std::uint64_t seed);
    std::uint64_t next();
    // Uniform double in [0, 1) from the top 53 bits.
    double next_unit();
    // Uniform integer in [0, bound) (bound > 0), by rejection so there is no modulo bias.
    std::uint64_t next_below(std::uint64_t bound);

private:
    std::uint64_t s_[4];
};

// A double in [0, 1) that is a pure function of x (the top 53 bits of mix64(x)).
double unit_from_bits(std::uint64_t x);

// Queue id: 13 characters of Crockford base32 (0-9, A-Z without I L O U) of a mix of
// (seed, counter). Different counters under one seed never collide (the mix is a bijection).
std::string make_queue_id(std::uint64_t seed, std::uint64_t counter);
// Message-ID per RFC 5322 §3.6.4: "<" id-left "@" id-right ">", where id-left is derived from
// (seed, counter) and id-right is `hostname` (characters outside atext and '.' are dropped).
std::string make_message_id(std::uint64_t seed, std::uint64_t counter, std::string_view hostname);
// A MIME multipart boundary (RFC 2046 §5.1.1: 1..70 bchars, not ending in space).
std::string make_mime_boundary(std::uint64_t seed, std::uint64_t counter);

}  // namespace relaylab
