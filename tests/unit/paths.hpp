#pragma once
// A reverse- or forward-path built from its two halves, for the unit tests that need one
// without going through the address parser.
#include <string>

#include "engine/address.hpp"

namespace relaylab::test {

inline Path path_of(const std::string& local, const std::string& domain) {
    Path p;
    p.mailbox.local_part = local;
    p.mailbox.domain = domain;
    return p;
}

}  // namespace relaylab::test
