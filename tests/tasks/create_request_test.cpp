#include <gtest/gtest.h>

#include <sys/stat.h>

#include <boost/json.hpp>

#include "common/crypto.hpp"
#include "tasks/tasks.hpp"

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

TEST(Credentials, SealedBlobHidesTheSecretAndIsBoundToTheTask) {
  MasterKey key{SecretString(crypto::random_bytes(32))};
  source::s3::Credentials c;
  c.access_key_id = "AKID";
  c.secret_access_key = SecretString("very-secret-value");
  c.session_token = SecretString("token-value");
  std::string sealed = seal_credentials(key, "flt_1", c);
  EXPECT_EQ(sealed.find("very-secret-value"), std::string::npos);
  auto opened = open_credentials(key, "flt_1", sealed);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(opened->secret_access_key.reveal(), "very-secret-value");
  EXPECT_EQ(opened->session_token.reveal(), "token-value");
  EXPECT_FALSE(open_credentials(key, "flt_2", sealed).ok());
  EXPECT_EQ(open_credentials(key, "flt_1", "").error().code, "credentials_erased");
}

TEST(MasterKey, AfterRotationTasksSealedWithThePreviousKeyStillOpen) {
  MasterKey old_key{SecretString(crypto::random_bytes(32))};
  source::s3::Credentials c;
  c.access_key_id = "AKID";
  c.secret_access_key = SecretString("sealed-before-rotation");
  const std::string sealed_before = seal_credentials(old_key, "flt_1", c);
  const std::string url_before =
      seal_presigned_url(old_key, "flt_2", SecretString("https://h/k?X-Amz-Signature=s"));

  MasterKey new_key{SecretString(crypto::random_bytes(32))};
  EXPECT_EQ(open_credentials(new_key, "flt_1", sealed_before).error().code,
            "credentials_unreadable");
  new_key.add_previous(old_key);
  auto opened = open_credentials(new_key, "flt_1", sealed_before);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(opened->secret_access_key.reveal(), "sealed-before-rotation");
  auto url = open_presigned_url(new_key, "flt_2", url_before);
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->reveal(), "https://h/k?X-Amz-Signature=s");

  // New tasks are sealed with the new key only: the old key cannot open them.
  const std::string sealed_after = seal_credentials(new_key, "flt_3", c);
  EXPECT_FALSE(open_credentials(old_key, "flt_3", sealed_after).ok());
  EXPECT_TRUE(open_credentials(new_key, "flt_3", sealed_after).ok());
}

TEST(MasterKey, LoadNeverCreatesAKeyFile) {
  EXPECT_EQ(MasterKey::load("/nonexistent/skillsync/master.key").error().code, "io_error");
}

TEST(MasterKey, CreatedWithMode0600AndReloaded) {
  char tmpl[] = "/tmp/skillsync-key-XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  std::string path = dir + "/master.key";
  auto a = MasterKey::load_or_create(path);
  ASSERT_TRUE(a.ok());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto b = MasterKey::load_or_create(path);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->bytes(), b->bytes());
  ::chmod(path.c_str(), 0644);
  EXPECT_EQ(MasterKey::load_or_create(path).error().code, "insecure_master_key");
  ::unlink(path.c_str());
  ::rmdir(dir.c_str());
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
