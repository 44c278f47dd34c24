// HttpServer: Boost.Beast HTTP/1.1 with keep-alive, body and header limits,
// and idle timeouts. Handlers run on the I/O threads (they are short, and
// the store's calls are bounded by its own busy timeout).
#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <thread>

#include "api/api.hpp"
#include "api/json_util.hpp"

namespace skillsync::api {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kIdleTimeout = std::chrono::seconds(30);
constexpr uint32_t kMaxHeaderBytes = 16 * 1024;

std::string path_only(std::string_view target) {
  auto q = target.find('?');
  return std::string(target.substr(0, q));
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Api& api, size_t max_body)
      : stream_(std::move(socket)), api_(api), max_body_(max_body) {}

  void start() {
    asio::dispatch(stream_.get_executor(),
                   beast::bind_front_handler(&Session::read, shared_from_this()));
  }

 private:
  void read() {
    parser_.emplace();
    parser_->header_limit(kMaxHeaderBytes);
    parser_->body_limit(max_body_);
    stream_.expires_after(kIdleTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, size_t) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::connection_reset || ec == asio::error::eof) {
      return close();
    }
    if (ec == http::error::body_limit) {
      return send_error(413, "body_too_large",
                        "request body is larger than " + std::to_string(max_body_) + " bytes",
                        false);
    }
    if (ec == http::error::header_limit) {
      return send_error(431, "headers_too_large", "request headers are too large", false);
    }
    if (ec) return send_error(400, "malformed_request", "malformed HTTP request", false);

    auto started = std::chrono::steady_clock::now();
    http::request<http::string_body> req = parser_->release();
    HttpRequest r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    r.authorization = std::string(req[http::field::authorization]);
    r.content_type = std::string(req[http::field::content_type]);
    r.body = std::move(req.body());
    HttpResponse resp = api_.handle(r);
    // The body may hold credentials: wipe it before the memory is reused.
    secure_wipe(r.body);
    auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
                  .count();
    spdlog::info("{} {} {} {:.1f}ms", r.method, path_only(r.target), resp.status, ms);
    write(std::move(resp), req.keep_alive(), req.version());
  }

  void send_error(int status, std::string code, std::string message, bool keep_alive) {
    spdlog::info("- - {} {}", status, code);
    write(HttpResponse{status, "application/json", error_body(code, message), {}}, keep_alive, 11);
  }

  void write(HttpResponse resp, bool keep_alive, unsigned version) {
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(resp.status), version);
    res->set(http::field::server, "skillsync");
    for (auto& [name, value] : resp.headers) res->set(name, value);
    if (!resp.body.empty() || resp.status != 204) {
      res->set(http::field::content_type, resp.content_type);
      res->body() = std::move(resp.body);
    }
    res->keep_alive(keep_alive);
    res->prepare_payload();
    stream_.expires_after(kIdleTimeout);
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res, keep_alive](beast::error_code ec, size_t) {
                        if (ec || !keep_alive) return self->close();
                        self->read();
                      });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  Api& api_;
  size_t max_body_;
};

}  // namespace

struct HttpServer::Impl {
  ApiConfig config;
  Api& api;
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};

  Impl(ApiConfig c, Api& a) : config(std::move(c)), api(a), ioc(config.threads) {}

  void accept() {
    acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket s) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) std::make_shared<Session>(std::move(s), api, config.max_body_bytes)->start();
      accept();
    });
  }
};

HttpServer::HttpServer(ApiConfig config, Api& api)
    : impl_(std::make_unique<Impl>(std::move(config), api)) {}

HttpServer::~HttpServer() { stop(); }

Result<std::string> HttpServer::bind() {
  const std::string& listen = impl_->config.listen;
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
  for (int i = 1; i < impl_->config.threads; ++i) {
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
