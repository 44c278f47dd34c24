// HttpServer: Boost.Beast HTTP/1.1 (optionally over TLS) with keep-alive,
// body, header and target limits, a deadline per request (slow clients are
// cut off) and a cap on open connections. Handlers run on the I/O threads:
// they are short, and the store's calls are bounded by its busy timeout.
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

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <thread>

#include "api/api.hpp"
#include "api/auth_throttle.hpp"
#include "api/connection_guard.hpp"
#include "api/json_util.hpp"

namespace skillsync::api {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

constexpr uint32_t kMaxHeaderBytes = 16 * 1024;
constexpr auto kIdleTimeout = std::chrono::seconds(30);
// After answering a request whose body was left unread, the rest of it is
// read and dropped (so that the client sees the answer, not a reset) for
// at most this long.
constexpr auto kDrainTimeout = std::chrono::seconds(5);

std::string path_only(std::string_view target) {
  auto q = target.find('?');
  return std::string(target.substr(0, q));
}

struct Shared {
  Shared(ApiConfig c, RequestHandler h, HeaderCheck check)
      : config(std::move(c)),
        handler(std::move(h)),
        header_check(std::move(check)),
        guard(config.max_connections_per_client, config.max_body_memory),
        throttle(config.max_auth_failures, std::chrono::seconds(60)) {}
  ApiConfig config;
  RequestHandler handler;
  HeaderCheck header_check;
  ConnectionGuard guard;
  AuthThrottle throttle;
  std::atomic<size_t> open_connections{0};
};

template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  // REQUIRES: shared.guard.admit(address) succeeded; the session releases it.
  template <class... Args>
  Session(Shared& shared, std::string address, Args&&... args)
      : shared_(shared), address_(std::move(address)), stream_(std::forward<Args>(args)...) {
    ++shared_.open_connections;
  }
  ~Session() {
    shared_.guard.release(address_);
    --shared_.open_connections;
  }

  void start() {
    asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (kTls) {
        beast::get_lowest_layer(self->stream_).expires_after(kIdleTimeout);
        self->stream_.async_handshake(ssl::stream_base::server, [self](beast::error_code ec) {
          if (!ec) self->read();
        });
      } else {
        self->read();
      }
    });
  }

 private:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  void read() {
    parser_.emplace();
    parser_->header_limit(kMaxHeaderBytes);
    parser_->body_limit(shared_.config.max_body_bytes);
    // The whole request must arrive within the deadline: a client that
    // trickles bytes cannot hold a connection forever.
    beast::get_lowest_layer(stream_).expires_after(shared_.config.request_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->on_header(ec); });
  }

  // Answers a failed read; false when there was no failure.
  bool read_failed(beast::error_code ec) {
    if (!ec) return false;
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::connection_reset || ec == asio::error::eof ||
        ec == asio::error::operation_aborted) {
      close();
    } else if (ec == http::error::body_limit) {
      send_error(413, "body_too_large",
                 "request body is larger than " + std::to_string(shared_.config.max_body_bytes) +
                     " bytes");
    } else if (ec == http::error::header_limit) {
      send_error(431, "headers_too_large", "request headers are too large");
    } else {
      send_error(400, "malformed_request", "malformed HTTP request");
    }
    return true;
  }

  void on_header(beast::error_code ec) {
    if (read_failed(ec)) return;
    const auto& h = parser_->get();
    std::string te;
    auto [te_begin, te_end] = h.equal_range(http::field::transfer_encoding);
    for (auto f = te_begin; f != te_end; ++f) {
      te += (te.empty() ? "" : ", ") + std::string(f->value());
    }
    if (!framing_supported(h.count(http::field::transfer_encoding) > 0, te,
                           h.count(http::field::content_length) > 0)) {
      return send_error(400, "unsupported_transfer_encoding",
                        "only 'Transfer-Encoding: chunked' is supported, and not together with "
                        "Content-Length");
    }
    if (h.target().size() > shared_.config.max_target_bytes) {
      return send_error(414, "uri_too_long", "request target is too long");
    }
    HttpRequest head = request_head(h);
    if (!head.authorization.empty()) {
      int wait = shared_.throttle.refuse_for(address_, std::chrono::steady_clock::now());
      if (wait > 0) {
        return send_error(429, "too_many_failed_authentications",
                          "too many failed authentications from this address",
                          {{"Retry-After", std::to_string(wait)}}, false);
      }
    }
    const auto length = parser_->content_length();
    const bool has_body = parser_->chunked() || (length && *length > 0);
    if (has_body && shared_.header_check) {
      if (auto denied = shared_.header_check(head)) {
        note_auth_failure(denied->status, head);
        secure_wipe(head.authorization);
        return write(std::move(*denied), false, h.version());
      }
    }
    secure_wipe(head.authorization);
    if (has_body) {
      body_memory_ = shared_.guard.reserve_body(
          std::min<size_t>(length.value_or(SIZE_MAX), shared_.config.max_body_bytes));
      if (!body_memory_) {
        return send_error(503, "server_busy", "too many request bodies in flight; retry later",
                          {{"Retry-After", "1"}});
      }
    }
    http::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  static HttpRequest request_head(const http::request<http::string_body>& h) {
    HttpRequest r;
    r.method = std::string(h.method_string());
    r.target = std::string(h.target());
    r.authorization = std::string(h[http::field::authorization]);
    r.content_type = std::string(h[http::field::content_type]);
    r.idempotency_key = std::string(h["Idempotency-Key"]);
    r.accept = std::string(h[http::field::accept]);
    return r;
  }

  // A 401 to a request that tried a key counts against its address.
  bool note_auth_failure(int status, const HttpRequest& r) {
    if (status != 401 || r.authorization.empty()) return false;
    shared_.throttle.record_failure(address_, std::chrono::steady_clock::now());
    return true;
  }

  void on_read(beast::error_code ec) {
    if (read_failed(ec)) return;
    auto started = std::chrono::steady_clock::now();
    http::request<http::string_body> req = parser_->release();
    HttpRequest r = request_head(req);
    r.body = std::move(req.body());
    HttpResponse resp = shared_.handler(r);
    // The body may hold credentials: wipe it before the memory is reused.
    secure_wipe(r.body);
    body_memory_.reset();
    // Failed keys are logged in aggregate by the throttle, not one by one.
    const bool failed_key = note_auth_failure(resp.status, r);
    secure_wipe(r.authorization);
    auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
                  .count();
    if (!failed_key) {
      spdlog::info("{} {} {} {:.1f}ms", r.method, path_only(r.target), resp.status, ms);
    }
    write(std::move(resp), req.keep_alive(), req.version());
  }

  void send_error(int status, std::string code, std::string message,
                  std::vector<std::pair<std::string, std::string>> headers = {}, bool log = true) {
    if (log) spdlog::info("- - {} {}", status, code);
    write(HttpResponse{status, "application/json", error_body(code, message), std::move(headers)},
          false, 11);
  }
  void write(HttpResponse resp, bool keep_alive, unsigned version) {
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(resp.status), version);
    res->set(http::field::server, "skillsync");
    for (auto& [name, value] : resp.headers) res->set(name, value);
    if (resp.status != 204) {
      res->set(http::field::content_type, resp.content_type);
      res->body() = std::move(resp.body);
    }
    res->keep_alive(keep_alive);
    res->prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(kIdleTimeout);
    http::async_write(
        stream_, *res,
        [self = this->shared_from_this(), res, keep_alive](beast::error_code ec, size_t) {
          if (ec || !keep_alive) return self->close();
          self->read();
        });
  }

  void close() {
    body_memory_.reset();
    if constexpr (kTls) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {});
    } else {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
      // Closing with unread bytes would reset the connection and could
      // destroy the answer before the client reads it: read what is left and
      // drop it, into a small buffer, until the client closes or time is up.
      buffer_.clear();
      buffer_.shrink_to_fit();
      parser_.reset();
      beast::get_lowest_layer(stream_).expires_after(kDrainTimeout);
      drain(std::make_shared<std::array<char, 4096>>());
    }
  }

  void drain(std::shared_ptr<std::array<char, 4096>> sink) {
    stream_.async_read_some(asio::buffer(*sink),
                            [self = this->shared_from_this(), sink](beast::error_code ec, size_t) {
                              if (!ec) self->drain(sink);
                            });
  }

  Shared& shared_;
  std::string address_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  BodyReservation body_memory_;
};

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

  Impl(ApiConfig c, RequestHandler h, HeaderCheck check)
      : shared(std::move(c), std::move(h), std::move(check)), ioc(shared.config.threads) {}

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
  if (config.tls_cert_file.empty() != config.tls_key_file.empty()) {
    return Error{"invalid_tls", "--tls-cert and --tls-key go together"};
  }
  if (!config.tls_cert_file.empty()) {
    impl_->tls.emplace(ssl::context::tls_server);
    impl_->tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                            ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                            ssl::context::no_tlsv1_1);
    beast::error_code ec;
    impl_->tls->use_certificate_chain_file(config.tls_cert_file, ec);
    if (!ec) impl_->tls->use_private_key_file(config.tls_key_file, ssl::context::pem, ec);
    if (ec) return Error{"invalid_tls", "cannot load the TLS certificate or key: " + ec.message()};
  }
  const std::string& listen = config.listen;
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return Error{"invalid_listen", "--listen must be host:port, got '" + listen + "'"};
  }
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  unsigned long port = 0;
  try {
    port = std::stoul(listen.substr(colon + 1));
  } catch (...) {
    port = 70000;
  }
  if (port > 65535) return Error{"invalid_listen", "invalid port in --listen '" + listen + "'"};
  beast::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) return Error{"invalid_listen", "invalid address in --listen '" + listen + "'"};
  tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
  auto& acc = impl_->acceptor;
  acc.open(endpoint.protocol(), ec);
  if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(endpoint, ec);
  if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Error{"listen_failed", "cannot listen on " + listen + ": " + ec.message()};
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
