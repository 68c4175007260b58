// The descriptor budget: raise the soft RLIMIT_NOFILE as far as limits.connections needs,
// or lower the connections to what fits (native/fd_budget.hpp).
#include <doctest/doctest.h>

#include "native/fd_budget.hpp"

using namespace relaylab::native;

TEST_CASE("fd budget") {
    SUBCASE("the hard limit allows it: the soft limit is raised, nothing lowered") {
        FdBudget b = fd_budget(1000, 20, 64, 1024, 1048576);
        CHECK(b.soft == k_fixed_fds + 20 + 64 + 1000);
        CHECK(b.connections == 1000);
        CHECK_FALSE(b.lowered);
    }
    SUBCASE("a generous soft limit is never lowered") {
        FdBudget b = fd_budget(10, 2, 4, 65536, 65536);
        CHECK(b.soft == 65536);
        CHECK(b.connections == 10);
    }
    SUBCASE("the hard limit is too small: connections lowered to what fits") {
        FdBudget b = fd_budget(1000, 2, 4, 64, 64);
        CHECK(b.soft == 64);
        CHECK(b.connections == static_cast<int>(64 - k_fixed_fds - 2 - 4));
        CHECK(b.lowered);
    }
    SUBCASE("nothing fits: still one connection (the 421 path needs none)") {
        FdBudget b = fd_budget(1000, 20, 64, 32, 32);
        CHECK(b.connections == 1);
        CHECK(b.lowered);
    }
}
