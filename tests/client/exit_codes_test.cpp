// Exit codes and failure messages: each says what happened and what to do.
#include <gtest/gtest.h>

#include "client/context.hpp"
#include "client/exit_codes.hpp"

namespace skillsync::client {
namespace {

TEST(ExitCodesTest, FinalStatuses) {
  EXPECT_EQ(exit_for_status("completed"), 0);
  EXPECT_EQ(exit_for_status("completed_with_errors"), 2);
  EXPECT_EQ(exit_for_status("failed"), 3);
  EXPECT_EQ(exit_for_status("cancelled"), 4);
  EXPECT_EQ(exit_for_status("something_new"), 1);
  EXPECT_TRUE(is_final_status("cancelled"));
  EXPECT_FALSE(is_final_status("running"));
}

TEST(ExitCodesTest, HttpFailures) {
  EXPECT_EQ(exit_for_http(0), 69);
  EXPECT_EQ(exit_for_http(401), 77);
  EXPECT_EQ(exit_for_http(403), 77);
  EXPECT_EQ(exit_for_http(404), 1);
  EXPECT_EQ(exit_for_http(500), 1);
  EXPECT_EQ(failure_exit_code(Error{"unreachable", "Connection refused"}), 69);
  EXPECT_EQ(failure_exit_code(HttpResponse{401, "", {}}), 77);
}

TEST(ExitCodesTest, MessagesSayWhatToDoNext) {
  const std::string server = "http://127.0.0.1:1";
  EXPECT_EQ(describe_failure(HttpResponse{401, "", {}}, server, "listing tasks"),
            "the server refused the API key (401); check SKILLSYNC_API_KEY or --api-key-file "
            "(or run `skillsync login`)");
  const std::string unreachable =
      describe_failure(Error{"unreachable", "Couldn't connect to server"}, server, "listing tasks");
  EXPECT_NE(unreachable.find("cannot reach the skillsync server at http://127.0.0.1:1"),
            std::string::npos);
  EXPECT_NE(unreachable.find("SKILLSYNC_URL"), std::string::npos);
  const std::string body =
      R"({"error":{"code":"invalid_fields","message":"bad","details":[{"field":"uri",)"
      R"("code":"NoSuchKey","message":"404"}]}})";
  EXPECT_EQ(describe_failure(HttpResponse{422, body, {}}, server, "creating the task"),
            "creating the task: the server answered 422 (invalid_fields: bad; uri: NoSuchKey: "
            "404); fix what is named above and run the command again");
  EXPECT_NE(describe_failure(HttpResponse{409, R"({"error":{"code":"idempotency_conflict"}})", {}},
                             server, "x")
                .find("--idempotency-key"),
            std::string::npos);
  EXPECT_NE(describe_failure(HttpResponse{503, "", {}}, server, "x").find("its log"),
            std::string::npos);
}

TEST(ExitCodesTest, RetryAfterSeconds) {
  HttpResponse r{429, "", {{"retry-after", "3"}}};
  EXPECT_EQ(retry_after(r, std::chrono::milliseconds(250)), std::chrono::seconds(3));
  r.headers["retry-after"] = "Wed, 21 Oct 2015 07:28:00 GMT";
  EXPECT_EQ(retry_after(r, std::chrono::milliseconds(250)), std::chrono::milliseconds(250));
}

TEST(ExitCodesTest, UrlEscape) {
  EXPECT_EQ(url_escape("flt_a-b.c~"), "flt_a-b.c~");
  EXPECT_EQ(url_escape("a/b c"), "a%2Fb%20c");
}

TEST(ExitCodesTest, IdempotencyKeysAreRandom) {
  const std::string a = random_idempotency_key();
  EXPECT_EQ(a.size(), 36u);
  EXPECT_NE(a, random_idempotency_key());
}

}  // namespace
}  // namespace skillsync::client
