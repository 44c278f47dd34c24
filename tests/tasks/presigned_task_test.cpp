// method "s3_presigned_url": parsing the body, keeping the URL secret (sealed,
// redacted, erased), validating its host at POST time, and loading it.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>

#include "common/crypto.hpp"
#include "common/string_byte_reader.hpp"
#include "sqlite_task_test.hpp"

namespace skillsync::tasks {
namespace {
namespace json = boost::json;

constexpr const char* kSignature =
    "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";
const std::string kUrl =
    "https://examplebucket.s3.amazonaws.com/exports/test.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256"
    "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
    "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
    "&X-Amz-Signature=" +
    std::string(kSignature);

json::object body(const std::string& url) {
  return json::object{{"entity_type", "learning"}, {"method", "s3_presigned_url"}, {"uri", url}};
}

std::vector<std::string> fields_of(const std::vector<schema::FieldError>& errors) {
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.field + ":" + e.code);
  return out;
}

TEST(PresignedRequest, KeepsTheUrlSecretAndTheUriRedacted) {
  std::vector<schema::FieldError> errors;
  auto req = parse_create_request(body(kUrl), &errors);
  ASSERT_TRUE(req.ok()) << testing::PrintToString(fields_of(errors));
  EXPECT_EQ(req->method, "s3_presigned_url");
  EXPECT_EQ(req->uri, "https://examplebucket.s3.amazonaws.com/exports/test.csv");
  EXPECT_EQ(req->presigned_url.reveal(), kUrl);
  EXPECT_TRUE(req->credentials.access_key_id.empty());
}

TEST(PresignedRequest, HttpToAnyHostPassesTheFormCheckOnly) {
  // The host policy needs the server's endpoint: the AccessCheck applies it.
  std::vector<schema::FieldError> errors;
  auto req = parse_create_request(
      body("http://127.0.0.1:9000/bucket/k.csv?X-Amz-Signature=0123456789abcdef"), &errors);
  ASSERT_TRUE(req.ok()) << testing::PrintToString(fields_of(errors));
  EXPECT_EQ(req->uri, "http://127.0.0.1:9000/bucket/k.csv");
}

TEST(PresignedRequest, RefusesCredentialsRegionAndUnsignedUrls) {
  std::vector<schema::FieldError> errors;
  json::object b = body(kUrl);
  b["credentials"] =
      json::object{{"aws_access_key_id", "A"},
                   {"aws_secret_access_key", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}};
  b["region"] = "eu-west-1";
  EXPECT_FALSE(parse_create_request(b, &errors).ok());
  EXPECT_EQ(fields_of(errors),
            (std::vector<std::string>{"region:not_allowed", "credentials:not_allowed"}));

  for (const std::string& url :
       {std::string("https://examplebucket.s3.amazonaws.com/exports/test.csv?X-Amz-Date=1"),
        std::string("s3://bucket/key.csv"), std::string("ftp://h/p?X-Amz-Signature=secretsig"),
        "https://h/p?X-Amz-Signature=" + std::string(9000, 'a')}) {
    SCOPED_TRACE(url.substr(0, 80));
    errors.clear();
    EXPECT_FALSE(parse_create_request(body(url), &errors).ok());
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].field, "uri");
    EXPECT_EQ(errors[0].message.find("X-Amz-Date=1"), std::string::npos);
    EXPECT_EQ(errors[0].message.find("secretsig"), std::string::npos);
  }
}

TEST(PresignedRequest, SealedUrlOpensOnlyForItsTask) {
  MasterKey key{SecretString(crypto::random_bytes(32))};
  std::string sealed = seal_presigned_url(key, "flt_1", SecretString(kUrl));
  EXPECT_EQ(sealed.find(kSignature), std::string::npos);
  auto opened = open_presigned_url(key, "flt_1", sealed);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(opened->reveal(), kUrl);
  EXPECT_EQ(open_presigned_url(key, "flt_2", sealed).error().code, "credentials_unreadable");
  EXPECT_EQ(open_presigned_url(key, "flt_1", "").error().code, "credentials_erased");
  source::s3::Credentials creds;
  creds.access_key_id = "A";
  EXPECT_EQ(open_presigned_url(key, "flt_1", seal_credentials(key, "flt_1", creds)).error().code,
            "credentials_unreadable");
}

TEST(PresignedAccessCheck, ValidatesTheHostEvenWithoutValidateAccess) {
  source::s3::ClientConfig config;
  config.endpoint = "http://127.0.0.1:9";  // nothing listens: no request may be made
  AccessCheck check = make_s3_access_check(config);
  std::vector<schema::FieldError> errors;
  auto req = parse_create_request(
      body("http://127.0.0.1:9/bucket/k.csv?X-Amz-Signature=0123456789abcdef"), &errors);
  ASSERT_TRUE(req.ok());
  req->options.validate_access = false;
  EXPECT_TRUE(check(*req).ok()) << "the configured endpoint, validate_access false: no request";

  auto other = parse_create_request(
      body("http://169.254.169.254/latest/meta-data?X-Amz-Signature=0123456789abcdef"), &errors);
  ASSERT_TRUE(other.ok());
  other->options.validate_access = false;
  Status refused = check(*other);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "invalid_presigned_url");
  EXPECT_EQ(refused.error().message.find("0123456789abcdef"), std::string::npos);

  req->options.validate_access = true;  // now it probes, and nothing listens
  Status probed = check(*req);
  ASSERT_FALSE(probed.ok());
  EXPECT_EQ(probed.error().message.find("0123456789abcdef"), std::string::npos);
}

class PresignedTaskTest : public SqliteTaskTest {};

TEST_F(PresignedTaskTest, CreateSealsTheUrlAndChecksEvenWithoutValidateAccess) {
  int checks = 0;
  TaskService service(*store_, key_, SystemClock::instance(),
                      [&checks](const CreateTaskRequest& req) -> Status {
                        ++checks;
                        EXPECT_FALSE(req.options.validate_access);
                        EXPECT_EQ(req.presigned_url.reveal(), kUrl);
                        return ok_status();
                      });
  std::vector<schema::FieldError> errors;
  auto req = parse_create_request(body(kUrl), &errors);
  ASSERT_TRUE(req.ok());
  req->options.validate_access = false;
  auto created = service.create(store::kDefaultTenant, std::move(*req));
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(checks, 1);
  auto stored = store_->get_task(store::kDefaultTenant, created->id);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->uri, "https://examplebucket.s3.amazonaws.com/exports/test.csv");
  EXPECT_EQ((*stored)->method, "s3_presigned_url");
  EXPECT_EQ((*stored)->sealed_credentials.find(kSignature), std::string::npos);
  auto url = open_presigned_url(key_, created->id, (*stored)->sealed_credentials);
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->reveal(), kUrl);
}

class FakeUrlOpener : public ObjectOpener {
 public:
  std::string content;
  std::vector<std::string> urls;
  Result<Opened> open(const source::SourceSpec&, uint64_t, const CancellationToken&) override {
    return Error{"unexpected", "a presigned task opens its URL"};
  }
  Result<Opened> open_presigned(const source::SourceSpec& spec, uint64_t offset, std::string_view,
                                const CancellationToken&) override {
    urls.push_back(spec.presigned_url.reveal());
    return Opened{std::make_unique<StringByteReader>(content.substr(offset)), content.size(),
                  "\"etag\""};
  }
};

TEST_F(PresignedTaskTest, LoadsThroughTheUrlAndErasesIt) {
  TaskService service(*store_, key_, SystemClock::instance());
  std::vector<schema::FieldError> errors;
  auto req = parse_create_request(body(kUrl), &errors);
  ASSERT_TRUE(req.ok());
  auto created = service.create(store::kDefaultTenant, std::move(*req));
  ASSERT_TRUE(created.ok());
  auto claimed = store_->claim_next_task("w", SystemClock::instance().now(), 60000000);
  ASSERT_TRUE(claimed.ok() && claimed->has_value());

  FakeUrlOpener opener;
  opener.content =
      "employee_external_id,language,external_id,timestamp,course_id\n"
      "e1,en,x1,2021-01-01,c1\ne1,en,x2,bad,c2\n";
  LoadPipeline pipeline(*store_, opener, key_, SystemClock::instance());
  CancellationToken never;
  EXPECT_EQ(pipeline.run(**claimed, "w", never), store::TaskStatus::kCompletedWithErrors);
  EXPECT_EQ(opener.urls, std::vector<std::string>{kUrl});
  auto t = store_->get_task(store::kDefaultTenant, created->id);
  ASSERT_TRUE(t.ok() && t->has_value());
  EXPECT_EQ((*t)->progress.rows_loaded, 1u);
  EXPECT_EQ((*t)->progress.bytes_total, opener.content.size());
  EXPECT_TRUE((*t)->sealed_credentials.empty()) << "the URL is erased when the task ends";
  auto errs = store_->row_errors(created->id, 10);
  ASSERT_TRUE(errs.ok());
  ASSERT_EQ(errs->size(), 1u);
  EXPECT_EQ((*errs)[0].file, "") << "only prefix loads name files";
}

}  // namespace
}  // namespace skillsync::tasks
