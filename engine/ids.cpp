#include "engine/ids.hpp"
#include "engine/ascii.hpp"

namespace relaylab {

namespace {

constexpr std::uint64_t golden_gamma = 0x9E3779B97F4A7C15ull;
constexpr std::uint64_t fnv_offset = 0xCBF29CE484222325ull;
constexpr std::uint64_t fnv_prime = 0x100000001B3ull;
constexpr char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

std::string base32_64(std::uint64_t v) {
    // 64 bits -> 13 base32 digits (the first carries the top 4 bits).
    std::string out(13, '0');
    for (int i = 12; i >= 0; --i) {
        out[static_cast<std::size_t>(i)] = crockford[v & 31u];
        v >>= 5;
    }
    return out;
}

bool is_id_right_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_';
}

}  // namespace

std::uint64_t mix64(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

std::uint64_t splitmix64_next(std::uint64_t& state) {
    state += golden_gamma;
    return mix64(state);
}

std::uint64_t hash64(std::uint64_t seed, std::string_view text) {
    std::uint64_t h = fnv_offset ^ mix64(seed);
    for (unsigned char c : text) {
        h ^= c;
        h *= fnv_prime;
    }
    return mix64(h ^ text.size());
}

std::uint64_t hash64_icase(std::uint64_t seed, std::string_view text) {
    return hash64(seed, ascii_lowercase(text));
}

Xoshiro256::Xoshiro256(std::uint64_t seed) {
    std::uint64_t sm = seed;
    for (auto& word : s_) word = splitmix64_next(sm);
}

std::uint64_t Xoshiro256::next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
}

double unit_from_bits(std::uint64_t x) {
    return static_cast<double>(mix64(x) >> 11) * (1.0 / 9007199254740992.0);  // 2^-53
}

double Xoshiro256::next_unit() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }

std::uint64_t Xoshiro256::next_below(std::uint64_t bound) {
    if (bound == 0) return 0;
    // Reject the top partial range so every residue is equally likely.
    const std::uint64_t limit = ~std::uint64_t{0} - (~std::uint64_t{0} % bound);
    while (true) {
        const std::uint64_t v = next();
        if (v < limit) return v % bound;
    }
}

std::string make_queue_id(std::uint64_t seed, std::uint64_t counter) {
    // mix64 is a bijection, so for a fixed seed distinct counters give distinct ids.
    return base32_64(mix64(mix64(seed) ^ counter));
}

std::string make_message_id(std::uint64_t seed, std::uint64_t counter, std::string_view hostname) {
    std::string right;
    for (char c : hostname)
        if (is_id_right_char(c)) right += c;
    while (!right.empty() && right.back() == '.') right.pop_back();
    while (!right.empty() && right.front() == '.') right.erase(right.begin());
    if (right.empty()) right = "localhost";
    std::string out = "<";
    out += base32_64(mix64(seed ^ golden_gamma) + counter);
    out += '.';
    out += std::to_string(counter);
    out += '@';
    out += right;
    out += '>';
    return out;
}

std::string make_mime_boundary(std::uint64_t seed, std::uint64_t counter) {
    // "=_" cannot appear in base64 output nor start a quoted-printable soft break sequence
    // that matches, which is why many MTAs begin boundaries with it.
    std::string out = "=_relaylab_";
    out += base32_64(mix64(seed + 0x5bd1e995ull) ^ counter);
    out += '_';
    out += base32_64(mix64(counter ^ seed));
    return out;
}

}  // namespace relaylab
