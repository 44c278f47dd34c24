// The resume and retry logic of S3Client over a fake Transport that serves
// objects from memory and fails on cue: connections cut mid-body, refused
// connections, 5xx answers, objects that change between two requests.
#include <gtest/gtest.h>

#include <deque>
#include <mutex>

#include "source/s3/s3.hpp"
#include "source/s3/transport.hpp"

namespace skillsync::source::s3 {
namespace {

struct Fault {
  enum Kind { kRefuse, kStatus, kCut, kTruncate } kind;
  int status = 0;    // kStatus
  std::string code;  // kStatus: S3 error code in the XML body
  size_t after = 0;  // kCut / kTruncate: body bytes delivered first
};

struct FakeObject {
  std::string content;
  std::string etag;
};

struct FakeState {
  std::mutex mu;
  std::map<std::string, FakeObject> objects;  // by URL path, "/bucket/key"
  std::deque<Fault> faults;                   // one consumed per request
  std::vector<TransportRequest> requests;     // as received (body not kept)
};

class FakeResponse final : public ResponseStream {
 public:
  FakeResponse(int status, std::map<std::string, std::string> headers, std::string body,
               std::optional<Fault> fault)
      : status_(status), headers_(std::move(headers)), body_(std::move(body)), fault_(fault) {}
  int status() const override { return status_; }
  const std::map<std::string, std::string>& headers() const override { return headers_; }
  Result<size_t> read(std::span<char> buf) override {
    size_t limit = body_.size();
    if (fault_) limit = std::min(limit, fault_->after);
    if (pos_ == limit) {
      if (fault_ && fault_->kind == Fault::kCut) {
        return Error{"connection_failed", "Connection reset by peer"};
      }
      return size_t{0};
    }
    const size_t n = std::min({buf.size(), limit - pos_, size_t{37}});  // odd-sized pieces
    std::copy_n(body_.data() + pos_, n, buf.data());
    pos_ += n;
    return n;
  }

 private:
  int status_;
  std::map<std::string, std::string> headers_;
  std::string body_;
  std::optional<Fault> fault_;
  size_t pos_ = 0;
};

class FakeTransport final : public Transport {
 public:
  explicit FakeTransport(std::shared_ptr<FakeState> state) : state_(std::move(state)) {}

  Result<std::unique_ptr<ResponseStream>> open(const TransportRequest& req) override {
    std::lock_guard lock(state_->mu);
    TransportRequest copy = req;
    copy.body = {};
    state_->requests.push_back(copy);
    std::optional<Fault> fault;
    if (!state_->faults.empty()) {
      fault = state_->faults.front();
      state_->faults.pop_front();
    }
    if (fault && fault->kind == Fault::kRefuse) {
      return Error{"connection_failed", "Failed to connect to fake port 1: Connection refused"};
    }
    if (fault && fault->kind == Fault::kStatus) {
      return respond(fault->status, {},
                     "<Error><Code>" + fault->code + "</Code><Message>injected</Message></Error>");
    }
    const std::string path = req.url.substr(std::string("http://fake").size());
    auto it = state_->objects.find(path);
    if (it == state_->objects.end()) {
      return respond(404, {}, "<Error><Code>NoSuchKey</Code><Message>nope</Message></Error>");
    }
    const FakeObject& obj = it->second;
    std::map<std::string, std::string> h{{"etag", obj.etag}};
    if (req.method == "HEAD") {
      h["content-length"] = std::to_string(obj.content.size());
      return respond(200, h, "");
    }
    if (auto m = req.headers.find("if-match"); m != req.headers.end() && m->second != obj.etag) {
      return respond(412, {}, "<Error><Code>PreconditionFailed</Code></Error>");
    }
    if (auto r = req.headers.find("range"); r != req.headers.end()) {
      const size_t from = std::stoull(r->second.substr(6));
      if (from >= obj.content.size()) {
        return respond(416, {}, "<Error><Code>InvalidRange</Code><Message>no</Message></Error>");
      }
      h["content-range"] = "bytes " + std::to_string(from) + "-" +
                           std::to_string(obj.content.size() - 1) + "/" +
                           std::to_string(obj.content.size());
      return respond(206, h, obj.content.substr(from), fault);
    }
    h["content-length"] = std::to_string(obj.content.size());
    return respond(200, h, obj.content, fault);
  }

 private:
  static Result<std::unique_ptr<ResponseStream>> respond(int status,
                                                         std::map<std::string, std::string> h,
                                                         std::string body,
                                                         std::optional<Fault> fault = {}) {
    return std::unique_ptr<ResponseStream>(
        std::make_unique<FakeResponse>(status, std::move(h), std::move(body), fault));
  }
  std::shared_ptr<FakeState> state_;
};

class ObjectStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    content_.resize(1000);
    for (size_t i = 0; i < content_.size(); ++i) content_[i] = static_cast<char>('a' + i % 26);
    state_->objects["/bucket/data.csv"] = {content_, "\"etag-1\""};
  }

  S3Client client(int max_attempts = 3) {
    ClientConfig config;
    config.endpoint = "http://fake";
    config.max_attempts = max_attempts;
    config.backoff_base = std::chrono::milliseconds(1);
    config.backoff_cap = std::chrono::milliseconds(2);
    Credentials creds{"AKIDTEST", SecretString("SECRET-DO-NOT-LEAK"),
                      SecretString("TOKEN-DO-NOT-LEAK")};
    return S3Client(config, std::move(creds), std::make_unique<FakeTransport>(state_));
  }

  // Reads to the end in 64-byte pieces; the error if one comes.
  static Result<std::string> drain(ObjectStream& s) {
    std::string out;
    char buf[64];
    for (;;) {
      auto n = s.read(buf);
      if (!n.ok()) return n.error();
      if (*n == 0) return out;
      out.append(buf, *n);
    }
  }

  size_t request_count() {
    std::lock_guard lock(state_->mu);
    return state_->requests.size();
  }
  TransportRequest request(size_t i) {
    std::lock_guard lock(state_->mu);
    return state_->requests.at(i);
  }

  const S3Uri uri_{"bucket", "data.csv"};
  std::string content_;
  std::shared_ptr<FakeState> state_ = std::make_shared<FakeState>();
};

TEST_F(ObjectStreamTest, ReadsWholeObjectInOneRequest) {
  auto c = client();
  auto s = c.get_object(uri_);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ((*s)->info().size, 1000u);
  EXPECT_EQ((*s)->info().etag, "\"etag-1\"");
  auto data = drain(**s);
  ASSERT_TRUE(data.ok()) << data.error().message;
  EXPECT_EQ(*data, content_);
  EXPECT_EQ((*s)->offset(), 1000u);
  ASSERT_EQ(request_count(), 1u);
  const auto req = request(0);
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.url, "http://fake/bucket/data.csv");
  EXPECT_EQ(req.headers.count("range"), 0u);
  EXPECT_EQ(req.headers.at("host"), "fake");
  EXPECT_EQ(req.headers.at("x-amz-security-token"), "TOKEN-DO-NOT-LEAK");
  EXPECT_TRUE(req.headers.at("authorization").starts_with("AWS4-HMAC-SHA256 Credential=AKIDTEST/"));
  EXPECT_EQ(req.headers.at("x-amz-content-sha256"),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_F(ObjectStreamTest, CutConnectionResumesWithRangeAndIfMatch) {
  state_->faults.push_back({Fault::kCut, 0, "", 300});
  auto c = client();
  auto s = c.get_object(uri_);
  ASSERT_TRUE(s.ok());
  auto data = drain(**s);
  ASSERT_TRUE(data.ok()) << data.error().message;
  EXPECT_EQ(*data, content_);  // every byte once, in order
  ASSERT_EQ(request_count(), 2u);
  EXPECT_EQ(request(1).headers.at("range"), "bytes=300-");
  EXPECT_EQ(request(1).headers.at("if-match"), "\"etag-1\"");
}

TEST_F(ObjectStreamTest, BodyEndingEarlyWithoutErrorAlsoResumes) {
  state_->faults.push_back({Fault::kTruncate, 0, "", 500});
  auto c = client();
  auto s = c.get_object(uri_);
  ASSERT_TRUE(s.ok());
  auto data = drain(**s);
  ASSERT_TRUE(data.ok()) << data.error().message;
  EXPECT_EQ(*data, content_);
  ASSERT_EQ(request_count(), 2u);
  EXPECT_EQ(request(1).headers.at("range"), "bytes=500-");
}

TEST_F(ObjectStreamTest, ProgressResetsTheFailureCount) {
  // Four cuts, each after some progress: more failures than max_attempts in
  // total, but never two in a row.
  for (size_t after : {100, 100, 100, 100}) state_->faults.push_back({Fault::kCut, 0, "", after});
  auto c = client(/*max_attempts=*/2);
  auto s = c.get_object(uri_);
  ASSERT_TRUE(s.ok());
  auto data = drain(**s);
  ASSERT_TRUE(data.ok()) << data.error().message;
  EXPECT_EQ(*data, content_);
  ASSERT_EQ(request_count(), 5u);
  EXPECT_EQ(request(4).headers.at("range"), "bytes=400-");
}

TEST_F(ObjectStreamTest, GivesUpAfterMaxAttemptsInARow) {
  state_->faults.push_back({Fault::kCut, 0, "", 100});
  for (int i = 0; i < 5; ++i) state_->faults.push_back({Fault::kRefuse, 0, "", 0});
  auto c = client(/*max_attempts=*/3);
  auto s = c.get_object(uri_);
  ASSERT_TRUE(s.ok());
  auto data = drain(**s);
  ASSERT_FALSE(data.ok());
  EXPECT_EQ(data.error().code, "connection_failed");
  EXPECT_NE(data.error().message.find("after 3 attempts"), std::string::npos)
      << data.error().message;
  EXPECT_EQ(request_count(), 3u);  // first GET + two failed reopens
  EXPECT_EQ((*s)->offset(), 100u);
  char buf[8];
  auto again = (*s)->read(buf);  // the stream stays failed
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "connection_failed");
  EXPECT_EQ(request_count(), 3u);
}

TEST_F(ObjectStreamTest, ObjectReplacedMidReadFailsWithObjectChanged) {
  state_->faults.push_back({Fault::kCut, 0, "", 200});
  auto c = client();
  auto s = c.get_object(uri_);
  ASSERT_TRUE(s.ok());
  char buf[64];
  size_t got = 0;
  while (got < 200) {
    auto n = (*s)->read(buf);
    ASSERT_TRUE(n.ok());
    got += *n;
  }
  {
    std::lock_guard lock(state_->mu);
    state_->objects["/bucket/data.csv"] = {std::string(1000, 'z'), "\"etag-2\""};
  }
  auto n = (*s)->read(buf);
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error().code, "object_changed");  // 412 on If-Match: no retry
  EXPECT_EQ(request_count(), 2u);
}

TEST_F(ObjectStreamTest, TransientOpenFailuresAreRetried) {
  state_->faults.push_back({Fault::kStatus, 503, "SlowDown", 0});
  state_->faults.push_back({Fault::kStatus, 500, "InternalError", 0});
  state_->faults.push_back({Fault::kRefuse, 0, "", 0});
  auto c = client(/*max_attempts=*/4);
  auto s = c.get_object(uri_);
  ASSERT_TRUE(s.ok()) << s.error().message;
  auto data = drain(**s);
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(*data, content_);
  EXPECT_EQ(request_count(), 4u);
}

TEST_F(ObjectStreamTest, TransientOpenFailuresStopAtMaxAttempts) {
  for (int i = 0; i < 5; ++i) state_->faults.push_back({Fault::kStatus, 503, "SlowDown", 0});
  auto c = client(/*max_attempts=*/3);
  auto s = c.get_object(uri_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "SlowDown");
  EXPECT_EQ(s.error().message,
            "S3 GET s3://bucket/data.csv: 503 SlowDown: injected (after 3 attempts)");
  EXPECT_EQ(request_count(), 3u);
}

TEST_F(ObjectStreamTest, ClientErrorsAreNotRetried) {
  state_->faults.push_back({Fault::kStatus, 403, "AccessDenied", 0});
  auto c = client();
  auto s = c.get_object(uri_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "AccessDenied");
  EXPECT_EQ(s.error().message, "S3 GET s3://bucket/data.csv: 403 AccessDenied: injected");
  EXPECT_EQ(request_count(), 1u);
  auto missing = c.get_object({"bucket", "missing.csv"});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "NoSuchKey");
  EXPECT_EQ(request_count(), 2u);
}

TEST_F(ObjectStreamTest, OpensAtAnOffset) {
  auto c = client();
  auto s = c.get_object(uri_, 990);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ((*s)->info().size, 1000u);
  EXPECT_EQ((*s)->offset(), 990u);
  auto data = drain(**s);
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(*data, content_.substr(990));
  EXPECT_EQ(request(0).headers.at("range"), "bytes=990-");
}

TEST_F(ObjectStreamTest, OffsetAtTheEndIsAnEmptyStreamBeyondItAnError) {
  auto c = client();
  auto s = c.get_object(uri_, 1000);
  ASSERT_TRUE(s.ok()) << s.error().message;
  auto data = drain(**s);
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(*data, "");
  EXPECT_EQ((*s)->info().size, 1000u);
  auto beyond = c.get_object(uri_, 1001);
  ASSERT_FALSE(beyond.ok());
  EXPECT_EQ(beyond.error().code, "InvalidRange");
}

TEST_F(ObjectStreamTest, HeadMapsStatusesAndRetries) {
  state_->faults.push_back({Fault::kRefuse, 0, "", 0});
  auto c = client();
  auto info = c.head_object(uri_);
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->size, 1000u);
  EXPECT_EQ(info->etag, "\"etag-1\"");
  EXPECT_EQ(request_count(), 2u);
  auto missing = c.head_object({"bucket", "nope"});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "NoSuchKey");
}

TEST_F(ObjectStreamTest, StreamOutlivesTheClient) {
  state_->faults.push_back({Fault::kCut, 0, "", 10});
  std::unique_ptr<ObjectStream> stream;
  {
    auto c = client();
    auto s = c.get_object(uri_);
    ASSERT_TRUE(s.ok());
    stream = std::move(*s);
  }
  auto data = drain(*stream);  // the resume needs the (destroyed) client's state
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(*data, content_);
}

TEST_F(ObjectStreamTest, SignsWithTheInjectedClock) {
  struct FixedClock final : Clock {
    // 2015-08-30T12:36:00.5Z
    Micros now() const override {
      return (days_from_civil(2015, 8, 30) * 86400 + 12 * 3600 + 36 * 60) * 1000000LL + 500000;
    }
  } clock;
  ClientConfig config;
  config.endpoint = "http://fake";
  config.region = "eu-central-1";
  config.clock = &clock;
  S3Client c(config, {"AKIDTEST", SecretString("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), {}},
             std::make_unique<FakeTransport>(state_));
  ASSERT_TRUE(c.head_object(uri_).ok());
  const auto req = request(0);
  EXPECT_EQ(req.headers.at("x-amz-date"), "20150830T123600Z");
  EXPECT_TRUE(
      req.headers.at("authorization")
          .starts_with("AWS4-HMAC-SHA256 Credential=AKIDTEST/20150830/eu-central-1/s3/"
                       "aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, "))
      << req.headers.at("authorization");
  EXPECT_EQ(req.headers.count("x-amz-security-token"), 0u);
}

TEST_F(ObjectStreamTest, ErrorMessagesNeverCarryCredentials) {
  auto c = client(/*max_attempts=*/2);
  std::vector<Error> errors;
  state_->faults.push_back({Fault::kStatus, 403, "SignatureDoesNotMatch", 0});
  errors.push_back(c.get_object(uri_).error());
  state_->faults.push_back({Fault::kRefuse, 0, "", 0});
  state_->faults.push_back({Fault::kRefuse, 0, "", 0});
  errors.push_back(c.head_object(uri_).error());
  state_->faults.push_back({Fault::kStatus, 500, "InternalError", 0});
  state_->faults.push_back({Fault::kStatus, 500, "InternalError", 0});
  errors.push_back(c.put_object(uri_, "x").error());
  for (const Error& e : errors) {
    EXPECT_EQ(e.message.find("SECRET-DO-NOT-LEAK"), std::string::npos) << e.message;
    EXPECT_EQ(e.message.find("TOKEN-DO-NOT-LEAK"), std::string::npos) << e.message;
    EXPECT_EQ(e.message.find("AWS4-HMAC"), std::string::npos) << e.message;
  }
}

}  // namespace
}  // namespace skillsync::source::s3
