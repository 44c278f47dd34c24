// The Store interface's helpers: task status names and event cursors.
#include <gtest/gtest.h>

#include "common/crypto.hpp"
#include "store/cursor.hpp"
#include "store/store.hpp"

namespace skillsync::store {
namespace {

TEST(TaskStatusNames, RoundTripAndRejectUnknown) {
  for (TaskStatus s :
       {TaskStatus::kPending, TaskStatus::kRunning, TaskStatus::kCompleted,
        TaskStatus::kCompletedWithErrors, TaskStatus::kFailed, TaskStatus::kCancelled}) {
    EXPECT_EQ(task_status_from_string(to_string(s)), std::optional<TaskStatus>(s));
  }
  EXPECT_EQ(to_string(TaskStatus::kCompletedWithErrors), "completed_with_errors");
  EXPECT_FALSE(task_status_from_string("Pending").has_value());
  EXPECT_FALSE(is_finished(TaskStatus::kRunning));
  EXPECT_TRUE(is_finished(TaskStatus::kCancelled));
}

TEST(EventCursor, RoundTripsTimestampAndId) {
  for (Micros ts : {Micros{0}, Micros{-1}, Micros{1'700'000'000'123'456}, INT64_MIN, INT64_MAX}) {
    const std::string text = encode_event_cursor(ts, "ev-1_x");
    auto c = decode_event_cursor(text);
    ASSERT_TRUE(c.ok()) << text;
    EXPECT_EQ(c.value(), (EventCursor{ts, "ev-1_x"}));
    EXPECT_EQ(
        text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
        std::string::npos);
  }
}

TEST(EventCursor, RejectsAnythingItDidNotIssue) {
  const std::string good = encode_event_cursor(5, "abc");
  std::string raw = crypto::base64url_decode(good).value();
  std::string wrong_version = raw;
  wrong_version[0] = 2;
  for (const std::string& bad :
       {std::string(""), std::string("%%%"), good + "A",
        crypto::base64url(raw.substr(0, 9)),                             // no external id
        crypto::base64url(wrong_version),                                // unknown version
        crypto::base64url(raw.substr(0, 9) + std::string(101, 'a'))}) {  // over-long id
    auto c = decode_event_cursor(bad);
    ASSERT_FALSE(c.ok()) << bad;
    EXPECT_EQ(c.error().code, "invalid_cursor");
  }
}

TEST(TaskCursor, RoundTripsAndIsNotAnEventCursor) {
  const std::string text = encode_task_cursor(1'700'000'000'000'000, "flt_0f3c");
  auto c = decode_task_cursor(text);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c.value(), (TaskCursor{1'700'000'000'000'000, "flt_0f3c"}));
  EXPECT_EQ(decode_event_cursor(text).error().code, "invalid_cursor");
  EXPECT_EQ(decode_task_cursor(encode_event_cursor(1, "x")).error().code, "invalid_cursor");
  EXPECT_EQ(decode_task_cursor(encode_task_cursor(1, std::string(201, 'a'))).error().code,
            "invalid_cursor");
  EXPECT_EQ(decode_task_cursor("").error().code, "invalid_cursor");
}

TEST(SeqCursor, RoundTripsAndRejectsOthers) {
  for (int64_t seq : {int64_t{0}, int64_t{99}, INT64_MAX}) {
    auto c = decode_seq_cursor(encode_seq_cursor(seq));
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c.value(), seq);
  }
  EXPECT_EQ(decode_seq_cursor(encode_task_cursor(1, "t")).error().code, "invalid_cursor");
  EXPECT_EQ(decode_seq_cursor(encode_seq_cursor(-1)).error().code, "invalid_cursor");
  EXPECT_EQ(decode_seq_cursor("AAAA").error().code, "invalid_cursor");
}

}  // namespace
}  // namespace skillsync::store
