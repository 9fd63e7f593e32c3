#pragma once
// A test that cannot run on this machine (a tool or host entry missing) skips and says why;
// under CI (the CI variable set) it fails instead, so a missing tool never looks green.
#include <gtest/gtest.h>

#include <cstdlib>

#define MCPSIM_SKIP_OR_FAIL_IN_CI(reason)                                                 \
    do {                                                                                  \
        if (std::getenv("CI")) {                                                          \
            FAIL() << reason << " (CI is set: a test that cannot run fails instead of skipping)"; \
        }                                                                                 \
        GTEST_SKIP() << reason;                                                           \
    } while (0)
