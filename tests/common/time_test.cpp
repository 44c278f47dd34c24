#include "common/time.hpp"

#include <gtest/gtest.h>

namespace skillsync {
namespace {

TEST(Rfc3339, FormatsEpochAndFractions) {
  EXPECT_EQ(format_rfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339(1609459200LL * 1000000), "2021-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339(1609459200LL * 1000000 + 250000), "2021-01-01T00:00:00.25Z");
  EXPECT_EQ(format_rfc3339(1609459200LL * 1000000 + 1), "2021-01-01T00:00:00.000001Z");
  EXPECT_EQ(format_rfc3339(-1000000), "1969-12-31T23:59:59Z");
}

TEST(Rfc3339, LeapDayAndFarDates) {
  Micros leap = days_from_civil(2024, 2, 29) * 86400LL * 1000000;
  EXPECT_EQ(format_rfc3339(leap), "2024-02-29T00:00:00Z");
  EXPECT_EQ(format_rfc3339(days_from_civil(9999, 12, 31) * 86400LL * 1000000),
            "9999-12-31T00:00:00Z");
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(days_from_civil(2000, 3, 1), 11017);
}

TEST(SystemClock, IsAfter2020) { EXPECT_GT(SystemClock::instance().now(), 1577836800LL * 1000000); }

}  // namespace
}  // namespace skillsync
