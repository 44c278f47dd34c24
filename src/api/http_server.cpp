// HttpServer: Boost.Beast HTTP/1.1 (optionally over TLS) with keep-alive,
// body, header and target limits, a deadline per request (slow clients are
// cut off) and a cap on open connections. Handlers run on the I/O threads:
// they are short, and the store's calls are bounded by its busy timeout.
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <thread>

#include "api/api.hpp"
#include "api/json_util.hpp"
#include "api/request_context.hpp"

namespace skillsync::api {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

constexpr uint32_t kMaxHeaderBytes = 16 * 1024;
constexpr auto kIdleTimeout = std::chrono::seconds(30);

struct Shared {
  ApiConfig config;
  RequestHandler handler;
  std::atomic<size_t> open_connections{0};
};

template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  template <class... Args>
  Session(Shared& shared, Args&&... args) : shared_(shared), stream_(std::forward<Args>(args)...) {
    ++shared_.open_connections;
  }
  ~Session() { --shared_.open_connections; }

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
    http::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::connection_reset || ec == asio::error::eof ||
        ec == asio::error::operation_aborted) {
      return close();
    }
    if (ec == http::error::body_limit) {
      return send_error(413, "body_too_large",
                        "request body is larger than " +
                            std::to_string(shared_.config.max_body_bytes) + " bytes");
    }
    if (ec == http::error::header_limit) {
      return send_error(431, "headers_too_large", "request headers are too large");
    }
    if (ec) return send_error(400, "malformed_request", "malformed HTTP request");

    auto started = std::chrono::steady_clock::now();
    http::request<http::string_body> req = parser_->release();
    if (req.target().size() > shared_.config.max_target_bytes) {
      return send_error(414, "uri_too_long", "request target is too long");
    }
    HttpRequest r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    r.authorization = std::string(req[http::field::authorization]);
    r.content_type = std::string(req[http::field::content_type]);
    r.idempotency_key = std::string(req["Idempotency-Key"]);
    r.accept = std::string(req[http::field::accept]);
    r.body = std::move(req.body());
    // Request id, trace id and their log fields; then metrics and the log line.
    auto request_fields = begin_request(r, req["X-Request-Id"], req["traceparent"]);
    HttpResponse resp = shared_.handler(r);
    // The body may hold credentials: wipe it before the memory is reused.
    secure_wipe(r.body);
    secure_wipe(r.authorization);
    finish_request(
        r, resp, std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    write(std::move(resp), req.keep_alive(), req.version());
  }

  void send_error(int status, std::string code, std::string message) {
    spdlog::info("- - {} {}", status, code);
    write(HttpResponse{status, "application/json", error_body(code, message), {}}, false, 11);
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
    if constexpr (kTls) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {});
    } else {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    }
  }

  Shared& shared_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
};

}  // namespace

struct HttpServer::Impl {
  Shared shared;
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::optional<ssl::context> tls;

  Impl(ApiConfig c, RequestHandler h)
      : shared{std::move(c), std::move(h)}, ioc(shared.config.threads) {}

  void accept() {
    acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket s) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) {
        if (shared.open_connections.load() >= shared.config.max_connections) {
          // Over the cap: refuse by closing, before any byte is read.
          beast::error_code ignored;
          s.close(ignored);
        } else if (tls) {
          std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(shared, std::move(s),
                                                                          *tls)
              ->start();
        } else {
          std::make_shared<Session<beast::tcp_stream>>(shared, std::move(s))->start();
        }
      }
      accept();
    });
  }
};

HttpServer::HttpServer(ApiConfig config, Api& api)
    : HttpServer(std::move(config), [&api](const HttpRequest& r) { return api.handle(r); }) {}

HttpServer::HttpServer(ApiConfig config, RequestHandler handler)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(handler))) {}

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
  });
  impl_->ioc.stop();
}

}  // namespace skillsync::api
