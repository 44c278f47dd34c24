// HttpServer: Boost.Beast HTTP/1.1 (optionally over TLS) with keep-alive,
// body, header and target limits, a deadline per request (slow clients are
// cut off) and a cap on open connections. GET /healthz is answered on the
// I/O threads; every other request runs on a pool of config.handler_threads
// (it may wait for the store or for S3's access check), so that slow work
// never holds up reading, writing or /healthz. At most that many requests
// run at once; the others wait their turn (their number is bounded by the
// connection caps, one request per connection at a time).
//
// Before a body is read (connection_guard.hpp, auth_throttle.hpp): the
// framing must be one the server implements (else 400 and close: no
// smuggling), the client address must not be throttled for failed keys
// (429), a route that needs a key must have been sent a valid one (401 and
// close, the body unread: see Api::check_headers), and the body must fit the
// memory budget of all bodies in flight (503 and close). Connections per
// client address are capped at accept. An accept that fails (out of file
// descriptors) is logged once per burst and retried on a timer.
#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <thread>

#include "api/api.hpp"
#include "api/http_session.hpp"
#include "api/listen_config.hpp"

namespace skillsync::api {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

using session::Session;
using session::Shared;

// Why an accept failed, for the log: out of file descriptors or other.
bool out_of_descriptors(const beast::error_code& ec) {
  return ec == asio::error::no_descriptors || ec.value() == ENFILE ||
         ec == asio::error::no_buffer_space || ec == asio::error::no_memory;
}

}  // namespace

struct HttpServer::Impl {
  Shared shared;
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::optional<ssl::context> tls;

  asio::steady_timer accept_retry{ioc};
  size_t accept_failures = 0;  // in the current burst

  // Last: destroyed (joined) first, while what its handlers use still lives.
  asio::thread_pool work;

  Impl(ApiConfig c, RequestHandler h, HeaderCheck check)
      : shared(std::move(c), std::move(h), std::move(check)),
        ioc(shared.config.threads),
        work(static_cast<size_t>(std::max(1, shared.config.handler_threads))) {
    shared.work = &work;
  }

  void accept() {
    acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket s) {
      if (ec == asio::error::operation_aborted) return;
      if (ec) return accept_failed(ec);
      if (accept_failures > 0) {
        spdlog::info("accepting connections again after {} failed accepts", accept_failures);
        accept_failures = 0;
      }
      start_session(std::move(s));
      accept();
    });
  }

  // Out of file descriptors, the listening socket stays readable: retrying
  // at once would spin. Log once per burst and retry on a timer instead.
  void accept_failed(const beast::error_code& ec) {
    if (accept_failures++ == 0) {
      spdlog::warn("cannot accept connections: {}{}; retrying every 100 ms", ec.message(),
                   out_of_descriptors(ec) ? " (raise the open-file limit or lower "
                                            "--max-connections)"
                                          : "");
    }
    accept_retry.expires_after(std::chrono::milliseconds(100));
    accept_retry.async_wait([this](beast::error_code wait_ec) {
      if (!wait_ec && acceptor.is_open()) accept();
    });
  }

  void start_session(tcp::socket s) {
    beast::error_code ec;
    auto peer = s.remote_endpoint(ec);
    std::string address = ec ? std::string("unknown") : peer.address().to_string();
    // Over a cap: refuse by closing, before any byte is read.
    if (shared.open_connections.load() >= shared.config.max_connections ||
        !shared.guard.admit(address)) {
      s.close(ec);
      return;
    }
    if (tls) {
      std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(shared, std::move(address),
                                                                      std::move(s), *tls)
          ->start();
    } else {
      std::make_shared<Session<beast::tcp_stream>>(shared, std::move(address), std::move(s))
          ->start();
    }
  }
};

HttpServer::HttpServer(ApiConfig config, Api& api)
    : HttpServer(
          std::move(config), [&api](const HttpRequest& r) { return api.handle(r); },
          [&api](const HttpRequest& r) { return api.check_headers(r); }) {}

HttpServer::HttpServer(ApiConfig config, RequestHandler handler, HeaderCheck check)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(handler), std::move(check))) {}

HttpServer::~HttpServer() { stop(); }

Result<std::string> HttpServer::bind() {
  const ApiConfig& config = impl_->shared.config;
  auto tls = load_tls(config.tls_cert_file, config.tls_key_file);
  if (!tls.ok()) return tls.error();
  if (tls->has_value()) impl_->tls.emplace(std::move(**tls));
  auto endpoint = parse_listen(config.listen);
  if (!endpoint.ok()) return endpoint.error();
  beast::error_code ec;
  auto& acc = impl_->acceptor;
  acc.open(endpoint->protocol(), ec);
  if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(*endpoint, ec);
  if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Error{"listen_failed", "cannot listen on " + config.listen + ": " + ec.message()};
  auto bound = acc.local_endpoint();
  std::string addr = bound.address().to_string();
  if (bound.address().is_v6()) addr = "[" + addr + "]";
  return addr + ":" + std::to_string(bound.port());
}

void HttpServer::run() {
  impl_->accept();
  std::vector<std::thread> threads;
  for (int i = 1; i < impl_->shared.config.threads; ++i) {
    threads.emplace_back([this] { impl_->ioc.run(); });
  }
  impl_->ioc.run();
  for (auto& t : threads) t.join();
}

void HttpServer::stop() {
  asio::post(impl_->ioc, [this] {
    beast::error_code ec;
    impl_->acceptor.close(ec);
    impl_->accept_retry.cancel();
  });
  impl_->ioc.stop();
}

}  // namespace skillsync::api
