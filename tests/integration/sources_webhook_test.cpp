// A source entering `error` is told to the tenant's webhooks (issue 18):
// the real binary and S3 server, a source whose task fails
// (max_consecutive_failures 1), its next check puts it in error, and
// source.error.v1 arrives, signed, at a real HTTP receiver on 127.0.0.1
// run by this test. Every wait polls (no sleeps as synchronisation).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "integration/it_env.hpp"
#include "support/process.hpp"

namespace skillsync::it {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;

struct Delivery {
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
};

// An HTTP/1.1 receiver on 127.0.0.1: records each request and answers 204,
// one request per connection (Connection: close).
class Receiver {
 public:
  Receiver() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ADD_FAILURE() << "the receiver cannot listen";
      return;
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~Receiver() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) ::close(fd_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  std::vector<Delivery> received() {
    std::lock_guard lock(mu_);
    return received_;
  }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      handle(c);
      ::close(c);
    }
  }
  void handle(int c) {
    std::string in;
    char buf[4096];
    size_t head_end = std::string::npos;
    size_t need = 0;
    for (;;) {
      pollfd p{c, POLLIN, 0};
      if (::poll(&p, 1, 5000) <= 0) return;
      const ssize_t n = ::read(c, buf, sizeof buf);
      if (n <= 0) return;
      in.append(buf, static_cast<size_t>(n));
      if (head_end == std::string::npos && (head_end = in.find("\r\n\r\n")) != std::string::npos) {
        need = head_end + 4 + content_length(in.substr(0, head_end));
      }
      if (head_end != std::string::npos && in.size() >= need) break;
    }
    Delivery d;
    d.body = in.substr(head_end + 4, need - head_end - 4);
    d.headers = parse_headers(in.substr(0, head_end));
    const std::string answer = "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n";
    (void)!::write(c, answer.data(), answer.size());
    std::lock_guard lock(mu_);
    received_.push_back(std::move(d));
  }
  static std::map<std::string, std::string> parse_headers(const std::string& head) {
    std::map<std::string, std::string> out;
    size_t at = head.find("\r\n");
    while (at != std::string::npos && at + 2 < head.size()) {
      const size_t end = head.find("\r\n", at + 2);
      const std::string line = head.substr(at + 2, end == std::string::npos ? end : end - at - 2);
      const size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        const size_t v = line.find_first_not_of(' ', colon + 1);
        out[name] = v == std::string::npos ? "" : line.substr(v);
      }
      at = end;
    }
    return out;
  }
  static size_t content_length(const std::string& head) {
    auto headers = parse_headers(head);
    auto it = headers.find("content-length");
    return it == headers.end() ? 0 : std::stoul(it->second);
  }

  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::vector<Delivery> received_;
};

// Polls `done` every 50 ms for at most 30 s (the shared wait of tests/support).
bool eventually(const std::function<bool()>& done) {
  return testsupport::wait_until(done, std::chrono::seconds(30), std::chrono::milliseconds(50));
}

class SourcesWebhookTest : public StackTest<SourcesWebhookTest> {
 public:
  static StackOptions stack_options() {
    StackOptions o;
    o.env["SKILLSYNC_WEBHOOK_ALLOW_HOST"] = "127.0.0.1";  // the receiver, over plain http
    return o;
  }
};

TEST_F(SourcesWebhookTest, ASourceEnteringErrorDeliversSourceErrorToTheTenantsWebhook) {
  Receiver receiver;
  ApiResponse hook =
      app().post("/integrations/webhooks",
                 json::serialize(json::object{{"url", receiver.url()},
                                              {"event_types", json::array{"source.error.v1"}}}));
  ASSERT_EQ(hook.status, 201) << hook.body;

  // A file the entity refuses (no required columns): its task fails, and
  // with max_consecutive_failures 1 the next check puts the source in error.
  const std::string dir = unique_id("src-hook");
  stack().upload(dir + "/learning_1.csv", "just,some,columns\n1,2,3\n");
  json::object body{
      {"name", "failing " + dir},
      {"entity_type", "learning"},
      {"uri", stack().uri(dir + "/")},
      {"pattern", "learning_*.csv"},
      {"schedule", json::object{{"every", "10s"}}},
      {"max_consecutive_failures", 1},
      {"credentials", json::object{{"aws_access_key_id", stack().s3().access_key_id()},
                                   {"aws_secret_access_key", stack().s3().secret_access_key()}}}};
  ApiResponse created = app().post("/integrations/sources", json::serialize(body));
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = str(as_object(created.json()), "source_id");
  const std::string path = "/integrations/sources/" + id;
  // The first check's task fails; a check after that (the schedule, or run)
  // finds the streak.
  ASSERT_TRUE(eventually([&] {
    const json::value files = app().get(path + "/files").json();
    const auto& items = as_array(as_object(files).at("items"));
    return !items.empty() && !is_null(as_object(items[0]), "task") &&
           str(obj(as_object(items[0]), "task"), "status") == "failed";
  }));
  ASSERT_EQ(app().post(path + "/run", "").status, 202);
  ASSERT_TRUE(
      eventually([&] { return str(as_object(app().get(path).json()), "status") == "error"; }));
  const std::string reason = str(as_object(app().get(path).json()), "last_error");
  EXPECT_EQ(reason.rfind("tasks_failing", 0), 0u) << reason;

  Delivery got;
  ASSERT_TRUE(eventually([&] {
    for (const auto& d : receiver.received()) {
      if (d.body.find("source.error.v1") != std::string::npos) {
        got = d;
        return true;
      }
    }
    return false;
  })) << receiver.received().size()
      << " deliveries, none of source.error.v1";
  for (const char* h : {"x-event-id", "x-tenant", "x-signature-timestamp", "x-signature-v1"}) {
    EXPECT_FALSE(got.headers[h].empty()) << h;
  }
  EXPECT_EQ(got.headers["x-tenant"], "default");
  EXPECT_EQ(got.headers["content-type"], "application/json");
  const json::value event = json::parse(got.body);
  const json::object& e = as_object(event);
  EXPECT_EQ(str(e, "type"), "com.skillsync.source.error.v1");
  EXPECT_EQ(str(e, "id"), got.headers["x-event-id"]);
  EXPECT_NE(str(e, "source").find(path), std::string::npos) << got.body;
  const json::object& data = obj(e, "data");
  EXPECT_EQ(str(data, "source_id"), id);
  EXPECT_EQ(str(data, "tenant"), "default");
  EXPECT_EQ(str(obj(data, "error"), "message"), reason);
  EXPECT_EQ(got.body.find(stack().s3().secret_access_key()), std::string::npos);
  // Exactly one such event: the source stays in error, unchecked.
  size_t errors = 0;
  for (const auto& d : receiver.received()) {
    if (d.body.find("source.error.v1") != std::string::npos) ++errors;
  }
  EXPECT_EQ(errors, 1u);
  EXPECT_EQ(app().del("/integrations/webhooks/" + str(as_object(hook.json()), "id")).status, 204);
}

}  // namespace
}  // namespace skillsync::it
