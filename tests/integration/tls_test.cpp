// TLS: the binary started with --tls-cert/--tls-key (a self-signed
// certificate the test makes with the openssl CLI) serves HTTPS only; the
// curl CLI, trusting that certificate, talks to it.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include "integration/it_env.hpp"
#include "support/process.hpp"

namespace skillsync::it {
namespace {
using namespace std::chrono_literals;

const char* const kOpenssl = "/usr/bin/openssl";
const char* const kCurl = "/usr/bin/curl";

struct CurlAnswer {
  int exit_code = -1;  // curl's: 0 when an HTTP answer came back
  long status = 0;
  std::string body;
  std::string err;
};

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testsupport::TempDir("skillsync-it-tls-");
    CommandResult made = run_command(
        {kOpenssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", dir_->file("key.pem"), "-out", dir_->file("cert.pem"), "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"});
    if (made.exit_code != 0) {
      start_error_ = "openssl failed: " + made.err;
      return;
    }
    api_key_ = "sk_it_" + random_token(32);
    for (int attempt = 0; attempt < 3 && server_ == nullptr; ++attempt) {
      port_ = testsupport::free_port();
      auto child = std::make_unique<testsupport::ChildProcess>(
          std::vector<std::string>{
              skillsync_binary(), "serve", "--listen", "127.0.0.1:" + std::to_string(port_),
              "--data-dir", dir_->file("data"), "--s3-endpoint", "http://127.0.0.1:9", "--workers",
              "1", "--tls-cert", dir_->file("cert.pem"), "--tls-key", dir_->file("key.pem")},
          std::map<std::string, std::string>{{"SKILLSYNC_BOOTSTRAP_API_KEY", api_key_}},
          dir_->path(), "skillsync-" + std::to_string(attempt));
      const bool up = testsupport::wait_until(
          [&] { return !child->running() || curl("GET", "/healthz").status == 200; }, 30s, 50ms);
      if (up && child->running()) {
        server_ = child.release();
      } else {
        start_error_ =
            "skillsync did not serve HTTPS:\n" + testsupport::read_file(child->stderr_path());
      }
    }
  }
  static void TearDownTestSuite() {
    if (server_ != nullptr) {
      server_->kill(SIGTERM);
      testsupport::wait_until([] { return !server_->running(); }, 10s);
      server_->kill(SIGKILL);
      const int status = server_->wait();
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << log();
      EXPECT_EQ(sanitizer_report(log()), "");
      delete server_;
      server_ = nullptr;
    }
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(server_, nullptr) << start_error_; }
  void TearDown() override {
    if (HasFailure() && server_ != nullptr) std::cerr << "--- skillsync log ---\n" << log();
  }

  static std::string log() { return testsupport::read_file(server_->stderr_path()); }

  // `curl` against the server: https with --cacert unless told otherwise.
  static CurlAnswer curl(const std::string& method, const std::string& path,
                         const std::vector<std::string>& extra = {},
                         const std::string& scheme = "https", bool trust = true) {
    std::vector<std::string> argv = {kCurl, "-sS",  "--max-time", "10",
                                     "-X",  method, "-w",         "\n%{http_code}"};
    if (trust) {
      argv.push_back("--cacert");
      argv.push_back(dir_->file("cert.pem"));
    }
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(scheme + "://127.0.0.1:" + std::to_string(port_) + path);
    CommandResult r = run_command(argv, {}, 20s);
    CurlAnswer a;
    a.exit_code = r.exit_code;
    a.err = r.err;
    const size_t nl = r.out.rfind('\n');
    if (nl != std::string::npos) {
      a.body = r.out.substr(0, nl);
      a.status = std::atol(r.out.c_str() + nl + 1);
    }
    return a;
  }
  static std::vector<std::string> bearer(const std::string& key) {
    return {"-H", "Authorization: Bearer " + key};
  }

  static inline testsupport::TempDir* dir_ = nullptr;
  static inline testsupport::ChildProcess* server_ = nullptr;
  static inline int port_ = 0;
  static inline std::string api_key_;
  static inline std::string start_error_;
};

TEST_F(TlsTest, HealthAndAuthenticatedRequestsWorkOverHttps) {
  CurlAnswer health = curl("GET", "/healthz");
  EXPECT_EQ(health.exit_code, 0) << health.err;
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(boost::json::parse(health.body), boost::json::parse(R"({"status":"ok"})"));

  const std::string events = "/employees/" + unique_id("emp-tls") + "/skill_events";
  CurlAnswer anonymous = curl("GET", events);
  EXPECT_EQ(anonymous.status, 401) << anonymous.body;
  CurlAnswer listed = curl("GET", events, bearer(api_key_));
  EXPECT_EQ(listed.status, 200) << listed.body << listed.err;

  std::vector<std::string> post = bearer(api_key_);
  for (const std::string& a :
       {std::string("-H"), std::string("Content-Type: application/json"), std::string("--data"),
        std::string(R"({"external_id":"ev-1","event_type":"learning",)"
                    R"("timestamp":"2021-01-01T00:00:00Z","content":{"course_id":"c-1"}})")}) {
    post.push_back(a);
  }
  CurlAnswer created = curl("POST", events + "?language=en", post);
  EXPECT_EQ(created.status, 201) << created.body << created.err;
  CurlAnswer got = curl("GET", events + "/ev-1", bearer(api_key_));
  EXPECT_EQ(got.status, 200) << got.body;
  EXPECT_NE(got.body.find("c-1"), std::string::npos) << got.body;
}

TEST_F(TlsTest, PlainHttpToTheTlsPortGetsNoAnswer) {
  CurlAnswer plain = curl("GET", "/healthz", {}, "http");
  EXPECT_NE(plain.exit_code, 0) << "curl got an HTTP answer over plain HTTP: " << plain.status;
  EXPECT_NE(plain.status, 200);
  CurlAnswer plain_auth = curl("GET", "/integrations/file-load-tasks", bearer(api_key_), "http");
  EXPECT_NE(plain_auth.exit_code, 0);
  EXPECT_EQ(plain_auth.body.find("items"), std::string::npos);
  // The server shrugs it off and keeps serving HTTPS.
  EXPECT_EQ(curl("GET", "/healthz").status, 200);
}

TEST_F(TlsTest, AClientThatDoesNotTrustTheCertificateIsStopped) {
  // curl's own CA bundle does not hold the test's certificate: exit 60
  // (peer certificate cannot be authenticated).
  CurlAnswer untrusted = curl("GET", "/healthz", {}, "https", /*trust=*/false);
  EXPECT_EQ(untrusted.exit_code, 60) << untrusted.err;
  EXPECT_NE(untrusted.status, 200);
}

TEST(TlsOptionsTest, ACertificateWithoutItsKeyIsRefusedAtStart) {
  testsupport::TempDir dir("skillsync-it-tls-opt-");
  CommandResult made =
      run_command({kOpenssl, "req", "-x509", "-newkey", "ec", "-pkeyopt",
                   "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", dir.file("key.pem"), "-out",
                   dir.file("cert.pem"), "-days", "1", "-subj", "/CN=127.0.0.1"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  CommandResult r = run_skillsync(
      {"serve", "--listen", "127.0.0.1:" + std::to_string(testsupport::free_port()), "--data-dir",
       dir.file("data"), "--s3-endpoint", "http://127.0.0.1:9", "--tls-cert", dir.file("cert.pem")},
      {{"SKILLSYNC_BOOTSTRAP_API_KEY", "sk_it_" + random_token(32)}});
  EXPECT_FALSE(r.timed_out);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--tls-key"), std::string::npos) << r.err;
  // A key that does not parse is refused too, saying so.
  CommandResult bad =
      run_skillsync({"serve", "--listen", "127.0.0.1:" + std::to_string(testsupport::free_port()),
                     "--data-dir", dir.file("data"), "--s3-endpoint", "http://127.0.0.1:9",
                     "--tls-cert", dir.file("cert.pem"), "--tls-key", dir.file("cert.pem")},
                    {{"SKILLSYNC_BOOTSTRAP_API_KEY", "sk_it_" + random_token(32)}});
  EXPECT_FALSE(bad.timed_out);
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("TLS"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace skillsync::it
