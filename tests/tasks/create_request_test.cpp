// parse_create_request: the POST /integrations/file-load-tasks body, valid
// and invalid, field by field.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "tasks/create_request.hpp"

namespace skillsync::tasks {
namespace {

constexpr const char* kSeedBody = R"({
  "entity_type": "learning",
  "method": "s3_iam_user",
  "uri": "s3://bucket-name/file-name.csv",
  "credentials": {
    "aws_access_key_id": "AKIAIOSFODNN7EXAMPLE",
    "aws_secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "aws_session_token": "AQoDYXdzEJrtyd"
  }
})";

std::vector<std::string> fields_of(const std::vector<schema::FieldError>& errors) {
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.field + ":" + e.code);
  return out;
}

TEST(ParseCreateRequest, AcceptsTheSeedBody) {
  std::vector<schema::FieldError> errors;
  auto req = parse_create_request(boost::json::parse(kSeedBody), &errors);
  ASSERT_TRUE(req.ok()) << testing::PrintToString(fields_of(errors));
  EXPECT_EQ(req->entity_type, "learning");
  EXPECT_EQ(req->uri, "s3://bucket-name/file-name.csv");
  EXPECT_EQ(req->credentials.access_key_id, "AKIAIOSFODNN7EXAMPLE");
  EXPECT_EQ(req->credentials.secret_access_key.reveal(),
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
  EXPECT_EQ(req->credentials.session_token.reveal(), "AQoDYXdzEJrtyd");
}

TEST(ParseCreateRequest, NamesEveryBadField) {
  std::vector<schema::FieldError> errors;
  auto body = boost::json::parse(R"({
    "entity_type": "learnin", "method": "ftp", "uri": "https://x/y.csv",
    "credentials": {"aws_access_key_id": 7}, "colour": "red"})");
  EXPECT_FALSE(parse_create_request(body, &errors).ok());
  auto f = fields_of(errors);
  for (const char* want :
       {"colour:unknown_field", "entity_type:unknown_entity_type", "method:unsupported_method",
        "uri:invalid_uri", "credentials.aws_access_key_id:invalid_type",
        "credentials.aws_secret_access_key:required"}) {
    EXPECT_NE(std::find(f.begin(), f.end(), want), f.end()) << want;
  }
}

TEST(ParseCreateRequest, RequiresAnObjectAndCredentials) {
  std::vector<schema::FieldError> errors;
  EXPECT_FALSE(parse_create_request(boost::json::parse("[1]"), &errors).ok());
  errors.clear();
  EXPECT_FALSE(
      parse_create_request(
          boost::json::parse(
              R"({"entity_type":"learning","method":"s3_iam_user","uri":"s3://bucket/k"})"),
          &errors)
          .ok());
  EXPECT_EQ(fields_of(errors), std::vector<std::string>{"credentials:required"});
}

TEST(ParseCreateRequest, OptionsAreValidatedAndRoundTrip) {
  std::vector<schema::FieldError> errors;
  auto body = boost::json::parse(kSeedBody).as_object();
  body["options"] = boost::json::parse(
      R"({"on_error":"abort","max_rejected_rows":5,"dry_run":true,"delimiter":"tab",
          "quote":"'","encoding":"windows-1252","ignore_unknown_columns":true})");
  auto req = parse_create_request(body, &errors);
  ASSERT_TRUE(req.ok()) << testing::PrintToString(fields_of(errors));
  const LoadOptions& o = req->options;
  EXPECT_EQ(o.on_error, OnError::kAbort);
  EXPECT_EQ(o.max_rejected_rows, 5u);
  EXPECT_TRUE(o.dry_run);
  EXPECT_EQ(o.delimiter, '\t');
  EXPECT_EQ(o.quote, '\'');
  EXPECT_EQ(o.encoding, csv::Encoding::kWindows1252);
  auto again = load_options_from_json(to_json(o));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(to_json(*again), to_json(o));

  body["options"] = boost::json::parse(
      R"({"on_error":"stop","max_rejected_rows":-1,"delimiter":"x","encoding":"ebcdic",
          "dry_run":"yes","colour":1})");
  errors.clear();
  EXPECT_FALSE(parse_create_request(body, &errors).ok());
  auto f = fields_of(errors);
  for (const char* want :
       {"options.on_error:invalid_option", "options.max_rejected_rows:invalid_option",
        "options.delimiter:invalid_option", "options.encoding:invalid_option",
        "options.dry_run:invalid_type", "options.colour:unknown_field"}) {
    EXPECT_NE(std::find(f.begin(), f.end(), want), f.end()) << want;
  }
}

}  // namespace
}  // namespace skillsync::tasks
