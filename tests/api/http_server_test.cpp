// HttpServer over a real socket on 127.0.0.1, with a handler that answers
// 200 to everything:
//  - the whole request must arrive within ApiConfig::request_timeout: a
//    client that trickles one byte at a time (never idle) is disconnected
//    at the deadline, not when it finishes;
//  - requests refused before any handler ran (431, 414, 400) carry an
//    X-Request-Id (the client's when valid and its header was read) and are counted in
//    skillsync_http_requests_total, like handled ones.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "api/api.hpp"
#include "metrics/skillsync_metrics.hpp"

namespace skillsync::api {
namespace {
using namespace std::chrono_literals;

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ApiConfig config;
    config.listen = "127.0.0.1:0";
    config.threads = 1;
    config.handler_threads = 1;
    config.request_timeout = std::chrono::seconds(1);
    server_ = std::make_unique<HttpServer>(config, [](const HttpRequest&) {
      return HttpResponse{200, "application/json", "{}", {}};
    });
    auto bound = server_->bind();
    ASSERT_TRUE(bound.ok()) << bound.error().message;
    port_ = std::stoi(bound->substr(bound->rfind(':') + 1));
    thread_ = std::thread([this] { server_->run(); });
  }
  void TearDown() override {
    server_->stop();
    if (thread_.joinable()) thread_.join();
  }

  int connect_to_server() const {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    return fd;
  }

  // Sends `request` and reads until the server closes: the whole answer.
  std::string exchange(const std::string& request) const {
    const int fd = connect_to_server();
    ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    std::string got;
    char buf[4096];
    for (;;) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 10000) <= 0) break;
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return got;
  }

  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  int port_ = 0;
};

TEST_F(HttpServerTest, ATricklingClientIsDisconnectedAtTheRequestDeadline) {
  const int fd = connect_to_server();
  const std::string request =
      "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(200, 'a') + "\r\n\r\n";
  // One byte every 100 ms: the whole request would take over 20 s, and the
  // connection is never idle for long; the 1 s deadline must end it first.
  bool closed = false;
  size_t sent = 0;
  for (; sent < request.size() && !closed; ++sent) {
    if (::send(fd, request.data() + sent, 1, MSG_NOSIGNAL) != 1) {
      closed = true;
      break;
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) > 0) {
      char buf[256];
      closed = ::recv(fd, buf, sizeof buf, 0) <= 0;
      EXPECT_TRUE(closed) << "the server answered a request it had not fully received";
    }
  }
  ::close(fd);
  EXPECT_TRUE(closed) << "the whole request (" << request.size() << " bytes) was sent";
}

std::string header_of(const std::string& answer, const std::string& name) {
  const auto at = answer.find("\r\n" + name + ": ");
  if (at == std::string::npos) return "";
  const auto from = at + name.size() + 4;
  return answer.substr(from, answer.find("\r\n", from) - from);
}

TEST_F(HttpServerTest, RefusalsBeforeAnyHandlerCarryARequestIdAndAreCounted) {
  auto& requests = metrics::skillsync().http_requests;
  const uint64_t before_431 = requests.with({"other", "unmatched", "431"}).value();
  const uint64_t before_414 = requests.with({"GET", "unmatched", "414"}).value();

  const std::string big = exchange(
      "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(17 * 1024, 'a') + "\r\n\r\n");
  EXPECT_EQ(big.substr(0, 12), "HTTP/1.1 431") << big.substr(0, 200);
  EXPECT_TRUE(header_of(big, "X-Request-Id").starts_with("req_")) << big.substr(0, 300);

  const std::string long_target =
      exchange("GET /healthz?pad=" + std::string(9 * 1024, 'a') +
               " HTTP/1.1\r\nHost: x\r\nX-Request-Id: client-id-1\r\n\r\n");
  EXPECT_EQ(long_target.substr(0, 12), "HTTP/1.1 414") << long_target.substr(0, 200);
  EXPECT_EQ(header_of(long_target, "X-Request-Id"), "client-id-1") << long_target.substr(0, 300);

  // Both framings at once: refused while the header is parsed, so the
  // client's own id is not known yet; a generated one is sent.
  const std::string chunked_and_length = exchange(
      "POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n"
      "X-Request-Id: client-id-2\r\n\r\n0\r\n\r\n");
  EXPECT_EQ(chunked_and_length.substr(0, 12), "HTTP/1.1 400") << chunked_and_length.substr(0, 200);
  EXPECT_TRUE(header_of(chunked_and_length, "X-Request-Id").starts_with("req_"))
      << chunked_and_length.substr(0, 300);

  EXPECT_EQ(requests.with({"other", "unmatched", "431"}).value(), before_431 + 1);
  EXPECT_EQ(requests.with({"GET", "unmatched", "414"}).value(), before_414 + 1);
}

}  // namespace
}  // namespace skillsync::api
