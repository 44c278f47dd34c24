// `skillsync load` arguments -> the task body: every option flag maps to its
// option, only given options are sent, and equal arguments give equal bytes.
#include <gtest/gtest.h>

#include "client/task_body.hpp"

namespace skillsync::client {
namespace {

namespace json = boost::json;

AwsCredentials creds(const std::string& token = "") {
  return {"AKID", SecretString("secret"), SecretString(token), "environment"};
}

TEST(TaskBodyTest, S3UriWithCredentialsAndRegion) {
  LoadRequest r{"s3://b/k.csv", "", "learning", "eu-west-1", {}};
  const AwsCredentials c = creds("tok");
  auto body = build_task_body(r, &c);
  ASSERT_TRUE(body.ok()) << body.error().message;
  EXPECT_EQ(json::serialize(*body),
            R"({"entity_type":"learning","method":"s3_iam_user","uri":"s3://b/k.csv",)"
            R"("credentials":{"aws_access_key_id":"AKID","aws_secret_access_key":"secret",)"
            R"("aws_session_token":"tok"},"region":"eu-west-1"})");
}

TEST(TaskBodyTest, EveryOptionFlag) {
  TaskOptionFlags f;
  f.on_error = "abort";
  f.max_rejected_rows = 10;
  f.dry_run = true;
  f.ignore_unknown_columns = true;
  f.no_validate_access = true;
  f.delimiter = "tab";
  f.quote = "'";
  f.encoding = "latin1";
  auto o = build_options(f);
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(*o, (json::object{{"on_error", "abort"},
                              {"max_rejected_rows", 10},
                              {"dry_run", true},
                              {"ignore_unknown_columns", true},
                              {"validate_access", false},
                              {"delimiter", "\t"},
                              {"quote", "'"},
                              {"encoding", "latin1"}}));
  EXPECT_TRUE(build_options({})->empty());
  f = {};
  f.delimiter = ";";
  EXPECT_EQ(build_options(f)->at("delimiter"), ";");
}

TEST(TaskBodyTest, PresignedUrlHasNoCredentials) {
  LoadRequest r{"",
                "https://b.s3.eu-west-1.amazonaws.com/k.csv?X-Amz-Signature=s",
                "learning",
                std::nullopt,
                {}};
  r.options.dry_run = true;
  auto body = build_task_body(r, nullptr);
  ASSERT_TRUE(body.ok()) << body.error().message;
  EXPECT_EQ(body->at("method"), "s3_presigned_url");
  EXPECT_FALSE(body->contains("credentials"));
  EXPECT_EQ(body->at("options"), (json::object{{"dry_run", true}}));
}

TEST(TaskBodyTest, SameArgumentsSameBytes) {
  LoadRequest r{"s3://b/k.csv", "", "learning", std::nullopt, {}};
  r.options.on_error = "continue";
  const AwsCredentials c = creds();
  EXPECT_EQ(json::serialize(*build_task_body(r, &c)), json::serialize(*build_task_body(r, &c)));
}

TEST(TaskBodyTest, UsageErrors) {
  const AwsCredentials c = creds();
  LoadRequest none{"", "", "learning", std::nullopt, {}};
  EXPECT_EQ(build_task_body(none, &c).error().code, "usage");
  LoadRequest both{"s3://b/k", "https://x?X-Amz-Signature=1", "learning", std::nullopt, {}};
  EXPECT_EQ(build_task_body(both, &c).error().code, "usage");
  LoadRequest no_type{"s3://b/k", "", "", std::nullopt, {}};
  EXPECT_EQ(build_task_body(no_type, &c).error().code, "usage");
  LoadRequest https{"https://b/k", "", "learning", std::nullopt, {}};
  EXPECT_EQ(build_task_body(https, &c).error().code, "usage");
  LoadRequest bad_on_error{"s3://b/k", "", "learning", std::nullopt, {}};
  bad_on_error.options.on_error = "ignore";
  EXPECT_EQ(build_task_body(bad_on_error, &c).error().code, "usage");
}

}  // namespace
}  // namespace skillsync::client
