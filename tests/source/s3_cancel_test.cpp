// Interrupting S3 reads: a cancel token set while libcurl waits on a stalled
// server (before the headers, or mid-body), or while the object stream sleeps
// its backoff between retries, ends the open or the read within about a
// second with code "cancelled", and nothing retries it.
//
// The stalled server is a local TCP listener of this file that answers with
// headers and a few bytes and then sends nothing more (the stall timeout is
// a minute, so only the cancel can end the wait in time).
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

#include "common/cancel.hpp"
#include "scripted_transport.hpp"
#include "source/s3/s3.hpp"
#include "source/s3/transport.hpp"

namespace skillsync::source::s3 {
namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;
using testing::Canned;
using testing::Script;
using testing::ScriptedTransport;

constexpr size_t kObjectSize = 1000000;
constexpr size_t kBodySent = 1000;  // bytes the server sends before it stalls

// A server on 127.0.0.1 that reads a request, answers 200 with a large
// Content-Length and kBodySent bytes (or, with `silent`, nothing at all), and
// then holds every connection open without sending more until destroyed.
class StallingServer {
 public:
  explicit StallingServer(bool silent = false) : silent_(silent) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(fd_, 8) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ADD_FAILURE() << "cannot listen on 127.0.0.1";
      return;
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~StallingServer() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    for (int c : clients_) ::close(c);
    if (fd_ >= 0) ::close(fd_);
  }
  StallingServer(const StallingServer&) = delete;
  StallingServer& operator=(const StallingServer&) = delete;

  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int connections() const { return accepted_.load(); }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      ++accepted_;
      clients_.push_back(c);
      // The request head (small: one read is enough on loopback for a GET).
      char buf[8192];
      pollfd q{c, POLLIN, 0};
      if (::poll(&q, 1, 2000) > 0) (void)::recv(c, buf, sizeof buf, 0);
      if (silent_) continue;
      std::string answer = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(kObjectSize) +
                           "\r\nETag: \"stalled\"\r\n\r\n" + std::string(kBodySent, 'x');
      (void)::send(c, answer.data(), answer.size(), MSG_NOSIGNAL);
    }
  }

  const bool silent_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::vector<int> clients_;  // kept open (the stall) until the destructor
  std::thread thread_;
};

// Cancels `token` after `delay` from a thread of its own; remembers when.
class DelayedCancel {
 public:
  DelayedCancel(CancellationToken& token, milliseconds delay)
      : thread_([this, &token, delay] {
          std::this_thread::sleep_for(delay);
          at_ = SteadyClock::now();
          token.cancel();
        }) {}
  ~DelayedCancel() { join(); }
  void join() {
    if (thread_.joinable()) thread_.join();
  }
  // Milliseconds from the cancel to now. REQUIRES: the cancel happened.
  int64_t ms_since() {
    join();
    return std::chrono::duration_cast<milliseconds>(SteadyClock::now() - at_).count();
  }

 private:
  SteadyClock::time_point at_;
  std::thread thread_;
};

TransportRequest get_request(const std::string& endpoint, const CancellationToken* cancel) {
  TransportRequest req;
  req.method = "GET";
  req.url = endpoint + "/bucket/key.csv";
  req.headers["host"] = endpoint.substr(7);
  req.stall_timeout = milliseconds(60000);
  req.cancel = cancel;
  return req;
}

ClientConfig stalling_config(const std::string& endpoint) {
  ClientConfig c;
  c.endpoint = endpoint;
  c.stall_timeout = std::chrono::seconds(60);
  c.retry_deadline = std::chrono::minutes(10);
  return c;
}

Credentials test_credentials() { return {"AKIDEXAMPLE", SecretString("secret-for-tests"), {}}; }

TEST(S3CancelTest, CurlReadStalledMidBodyEndsSoonAfterTheCancel) {
  StallingServer server;
  CancellationToken token;
  auto transport = make_curl_transport();
  auto response = transport->open(get_request(server.endpoint(), &token));
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ((*response)->status(), 200);
  std::vector<char> buf(64 * 1024);
  size_t got = 0;
  while (got < kBodySent) {
    auto n = (*response)->read(buf);
    ASSERT_TRUE(n.ok()) << n.error().message;
    ASSERT_GT(*n, 0u);
    got += *n;
  }
  EXPECT_EQ(got, kBodySent);

  DelayedCancel cancel(token, milliseconds(300));
  auto n = (*response)->read(buf);  // nothing more comes: blocks until the cancel
  const int64_t after = cancel.ms_since();
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error().code, "cancelled") << n.error().message;
  EXPECT_LT(after, 1000) << "the stalled read outlived the cancel by " << after << " ms";
}

TEST(S3CancelTest, CurlOpenWaitingForHeadersEndsSoonAfterTheCancel) {
  StallingServer server(/*silent=*/true);
  CancellationToken token;
  auto transport = make_curl_transport();
  DelayedCancel cancel(token, milliseconds(300));
  auto response = transport->open(get_request(server.endpoint(), &token));
  const int64_t after = cancel.ms_since();
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, "cancelled") << response.error().message;
  EXPECT_LT(after, 1000);
}

TEST(S3CancelTest, CurlWithoutATokenIsUnchanged) {
  // The same stall without a token ends by the stall timeout, as "timeout".
  StallingServer server;
  auto transport = make_curl_transport();
  TransportRequest req = get_request(server.endpoint(), nullptr);
  req.stall_timeout = milliseconds(600);
  auto response = transport->open(req);
  ASSERT_TRUE(response.ok()) << response.error().message;
  std::vector<char> buf(64 * 1024);
  Result<size_t> n = size_t{0};
  do {
    n = (*response)->read(buf);
  } while (n.ok() && *n > 0);
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error().code, "timeout") << n.error().message;
}

TEST(S3CancelTest, ObjectStreamStalledMidBodyFailsCancelledWithoutARetry) {
  StallingServer server;
  CancellationToken token;
  S3Client client(stalling_config(server.endpoint()), test_credentials());
  auto stream = client.get_object({"bucket", "key.csv"}, 0, {}, &token);
  ASSERT_TRUE(stream.ok()) << stream.error().message;
  EXPECT_EQ((*stream)->info().size, kObjectSize);
  std::vector<char> buf(64 * 1024);
  while ((*stream)->offset() < kBodySent) {
    auto n = (*stream)->read(buf);
    ASSERT_TRUE(n.ok()) << n.error().message;
  }

  DelayedCancel cancel(token, milliseconds(300));
  auto n = (*stream)->read(buf);
  const int64_t after = cancel.ms_since();
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error().code, "cancelled") << n.error().message;
  EXPECT_NE(n.error().message.find("s3://bucket/key.csv at byte 1000"), std::string::npos)
      << n.error().message;
  EXPECT_LT(after, 1000);
  EXPECT_EQ(server.connections(), 1) << "a cancelled read must not be retried";
  // The stream stays failed.
  auto again = (*stream)->read(buf);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "cancelled");
  EXPECT_EQ(server.connections(), 1);
}

TEST(S3CancelTest, PresignedStreamStalledMidBodyFailsCancelled) {
  StallingServer server;
  CancellationToken token;
  const ClientConfig config = stalling_config(server.endpoint());
  auto url =
      parse_presigned_url(server.endpoint() + "/bucket/key.csv?X-Amz-Signature=abcdef", config);
  ASSERT_TRUE(url.ok()) << url.error().message;
  S3Client client(config, Credentials{});
  auto stream = client.get_presigned(*url, 0, {}, &token);
  ASSERT_TRUE(stream.ok()) << stream.error().message;
  std::vector<char> buf(64 * 1024);
  while ((*stream)->offset() < kBodySent) {
    auto n = (*stream)->read(buf);
    ASSERT_TRUE(n.ok()) << n.error().message;
  }
  DelayedCancel cancel(token, milliseconds(200));
  auto n = (*stream)->read(buf);
  const int64_t after = cancel.ms_since();
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error().code, "cancelled") << n.error().message;
  EXPECT_EQ(n.error().message.find("X-Amz-Signature"), std::string::npos) << n.error().message;
  EXPECT_LT(after, 1000);
}

// A client over a scripted transport whose backoff sleeps are long (up to
// 20 s each), so that a cancel arrives while the stream sleeps.
struct SleepyClient {
  std::shared_ptr<Script> script = std::make_shared<Script>();
  std::unique_ptr<S3Client> client;

  SleepyClient() {
    ClientConfig c;
    c.endpoint = "http://127.0.0.1:9";
    c.max_attempts = 1000;
    c.backoff_base = milliseconds(20000);
    c.backoff_cap = milliseconds(20000);
    c.retry_deadline = std::chrono::minutes(10);
    script->fallback = Canned(0, {}, "", Error{"connection_failed", "connection refused"});
    client = std::make_unique<S3Client>(c, test_credentials(),
                                        std::make_unique<ScriptedTransport>(script));
  }
};

TEST(S3CancelTest, OpenRetryingWithBackoffEndsSoonAfterTheCancel) {
  SleepyClient s;
  CancellationToken token;
  DelayedCancel cancel(token, milliseconds(300));
  auto stream = s.client->get_object({"bucket", "key.csv"}, 0, {}, &token);
  const int64_t after = cancel.ms_since();
  ASSERT_FALSE(stream.ok());
  EXPECT_EQ(stream.error().code, "cancelled") << stream.error().message;
  EXPECT_LT(after, 500);
  EXPECT_GE(s.script->count(), 1u);
  EXPECT_EQ(s.script->request(0).cancel, &token) << "the token reaches the transport";
}

TEST(S3CancelTest, ResumeRetryingWithBackoffEndsSoonAfterTheCancel) {
  SleepyClient s;
  // The first answer ends after 100 of 1000 bytes; every reopen is refused.
  s.script->push(
      Canned(200, {{"content-length", "1000"}, {"etag", "\"e1\""}}, std::string(100, 'a')));
  CancellationToken token;
  auto stream = s.client->get_object({"bucket", "key.csv"}, 0, {}, &token);
  ASSERT_TRUE(stream.ok()) << stream.error().message;
  std::vector<char> buf(4096);
  auto first = (*stream)->read(buf);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, 100u);

  DelayedCancel cancel(token, milliseconds(300));
  auto n = (*stream)->read(buf);  // cut -> backoff -> refused -> backoff ...
  const int64_t after = cancel.ms_since();
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error().code, "cancelled") << n.error().message;
  EXPECT_LT(after, 500);
  for (size_t i = 1; i < s.script->count(); ++i) {
    EXPECT_EQ(s.script->request(i).cancel, &token);
    EXPECT_EQ(s.script->request(i).headers.at("range"), "bytes=100-");
  }
}

TEST(S3CancelTest, AnOpenWithTheTokenAlreadySetSendsNothing) {
  SleepyClient s;
  CancellationToken token;
  token.cancel();
  auto stream = s.client->get_object({"bucket", "key.csv"}, 0, {}, &token);
  ASSERT_FALSE(stream.ok());
  EXPECT_EQ(stream.error().code, "cancelled");
  EXPECT_EQ(s.script->count(), 0u);
}

TEST(S3CancelTest, AChildTokenFollowsItsParentButNotTheOtherWay) {
  CancellationToken parent;
  CancellationToken child(&parent);
  EXPECT_FALSE(child.cancelled());
  child.cancel();
  EXPECT_TRUE(child.cancelled());
  EXPECT_FALSE(parent.cancelled());

  CancellationToken other(&parent);
  parent.cancel();
  EXPECT_TRUE(other.cancelled());
}

TEST(S3CancelTest, SleepUnlessCancelledWakesEarly) {
  CancellationToken token;
  EXPECT_TRUE(sleep_unless_cancelled(milliseconds(20), &token));
  DelayedCancel cancel(token, milliseconds(100));
  const auto start = SteadyClock::now();
  EXPECT_FALSE(sleep_unless_cancelled(milliseconds(10000), &token));
  EXPECT_LT(SteadyClock::now() - start, milliseconds(1000));
}

}  // namespace
}  // namespace skillsync::source::s3
