// ConnectionGuard (per-client cap, body-memory budget), the framing check
// and AuthThrottle, one rule at a time.
#include "api/connection_guard.hpp"

#include <gtest/gtest.h>

#include "api/auth_throttle.hpp"
#include "api/download_slots.hpp"

namespace skillsync::api {
namespace {

TEST(FramingTest, OnlyExactlyChunkedWithoutContentLength) {
  EXPECT_TRUE(framing_supported(false, "", false));
  EXPECT_TRUE(framing_supported(false, "", true));
  EXPECT_TRUE(framing_supported(true, "chunked", false));
  EXPECT_TRUE(framing_supported(true, " Chunked ", false));
  EXPECT_FALSE(framing_supported(true, "chunked", true));
  for (const char* te : {"xchunked", "gzip", "identity", "chunked, identity", "gzip, chunked",
                         "chunked, chunked", "", "chunkedx", "chunked;q=1"}) {
    EXPECT_FALSE(framing_supported(true, te, false)) << te;
  }
}

TEST(ConnectionGuardTest, CapsConnectionsPerAddress) {
  ConnectionGuard g(2, 1 << 20);
  EXPECT_TRUE(g.admit("10.0.0.1"));
  EXPECT_TRUE(g.admit("10.0.0.1"));
  EXPECT_FALSE(g.admit("10.0.0.1"));
  EXPECT_TRUE(g.admit("10.0.0.2"));
  g.release("10.0.0.1");
  EXPECT_EQ(g.connections_of("10.0.0.1"), 1u);
  EXPECT_TRUE(g.admit("10.0.0.1"));
}

TEST(ConnectionGuardTest, BodyMemoryIsABudgetReleasedWithTheReservation) {
  ConnectionGuard g(10, 100);
  BodyReservation a = g.reserve_body(60);
  ASSERT_TRUE(a);
  EXPECT_FALSE(g.reserve_body(41));
  {
    BodyReservation b = g.reserve_body(40);
    EXPECT_TRUE(b);
    EXPECT_EQ(g.body_memory_in_use(), 100u);
  }
  EXPECT_EQ(g.body_memory_in_use(), 60u);
  BodyReservation moved = std::move(a);
  a.reset();  // a moved-from reservation releases nothing
  EXPECT_EQ(g.body_memory_in_use(), 60u);
  moved.reset();
  EXPECT_EQ(g.body_memory_in_use(), 0u);
  EXPECT_FALSE(g.reserve_body(101));
}

TEST(AuthThrottleTest, RefusesAnAddressAfterMaxFailuresUntilTheWindowEnds) {
  AuthThrottle t(3, std::chrono::seconds(60));
  const auto t0 = AuthThrottle::Clock::time_point{} + std::chrono::hours(1);
  EXPECT_EQ(t.refuse_for("a", t0), 0);
  for (int i = 0; i < 2; ++i) t.record_failure("a", t0);
  EXPECT_EQ(t.refuse_for("a", t0), 0);
  t.record_failure("a", t0);
  EXPECT_EQ(t.refuse_for("a", t0 + std::chrono::seconds(10)), 50);
  EXPECT_EQ(t.refuse_for("b", t0), 0) << "other addresses are not affected";
  EXPECT_EQ(t.refuse_for("a", t0 + std::chrono::milliseconds(59500)), 1);
  EXPECT_EQ(t.refuse_for("a", t0 + std::chrono::seconds(60)), 0) << "a new window";
}

TEST(AuthThrottleTest, ZeroTurnsItOff) {
  AuthThrottle t(0, std::chrono::seconds(60));
  const auto t0 = AuthThrottle::Clock::time_point{};
  for (int i = 0; i < 100; ++i) t.record_failure("a", t0);
  EXPECT_EQ(t.refuse_for("a", t0), 0);
}

TEST(DownloadSlotsTest, PerKeyAndReleasedWithTheToken) {
  auto slots = std::make_shared<DownloadSlots>(2);
  auto a = slots->acquire("k1");
  auto b = slots->acquire("k1");
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(slots->acquire("k1"));
  EXPECT_TRUE(slots->acquire("k2")) << "another key has its own slots";
  b.reset();
  EXPECT_EQ(slots->in_use("k1"), 1u);
  EXPECT_TRUE(slots->acquire("k1"));
  EXPECT_EQ(slots->in_use("k2"), 0u);
}

}  // namespace
}  // namespace skillsync::api
