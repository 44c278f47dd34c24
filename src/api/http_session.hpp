// HTTP session internals of HttpServer (http_server.cpp): one Session per
// connection, reading a request in two steps (headers, then body) so that
// everything that can refuse a request does so before its body is read;
// Shared is what all sessions of a server share. Internal to src/api.
//
// A Session's steps, all on its strand but the handler: read the headers ->
// framing check (400 + close) -> throttle for failed keys (429) -> key check
// when a body follows (401 + close, body unread) -> body-memory reservation
// (503 + close) -> read the body -> handler (on Shared::work, or inline for
// GET /healthz) -> write -> next request or close. A close after an answer
// reads and drops what the client still sends (bounded in time), so that
// the answer is not lost to a reset.
#pragma once

#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "api/api.hpp"
#include "api/auth_throttle.hpp"
#include "api/connection_guard.hpp"
#include "api/json_util.hpp"
#include "api/request_context.hpp"

namespace skillsync::api::session {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

constexpr uint32_t kMaxHeaderBytes = 16 * 1024;
constexpr auto kIdleTimeout = std::chrono::seconds(30);
// After answering a request whose body was left unread, the rest of it is
// read and dropped (so that the client sees the answer, not a reset) for
// at most this long.
constexpr auto kDrainTimeout = std::chrono::seconds(5);

inline std::string path_only(std::string_view target) {
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
  asio::thread_pool* work = nullptr;  // runs the handlers (see on_read)
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
    if (tries_credentials(head)) {
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
        // Counted and answered with its id like a handled request; failed
        // keys are logged in aggregate by the throttle.
        const bool failed_key = note_auth_failure(denied->status, head);
        secure_wipe(head.authorization);
        const auto fields = begin_request(head, h["X-Request-Id"], h["traceparent"]);
        finish_request(head, *denied, 0.0, !failed_key);
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

  // Whether the request tries credentials: an Authorization header, or an
  // OAuth2 token request (its client secret may be in the body).
  static bool tries_credentials(const HttpRequest& r) {
    return !r.authorization.empty() ||
           (r.method == "POST" && path_only(r.target) == "/oauth/token");
  }

  // A 401 to a request that tried a key counts against its address.
  bool note_auth_failure(int status, const HttpRequest& r) {
    if (status != 401 || !tries_credentials(r)) return false;
    shared_.throttle.record_failure(address_, std::chrono::steady_clock::now());
    return true;
  }

  void on_read(beast::error_code ec) {
    if (read_failed(ec)) return;
    http::request<http::string_body> req = parser_->release();
    auto r = std::make_shared<HttpRequest>(request_head(req));
    r->body = std::move(req.body());
    auto ids = std::make_shared<std::pair<std::string, std::string>>(
        std::string(req["X-Request-Id"]), std::string(req["traceparent"]));
    const bool keep_alive = req.keep_alive();
    const unsigned version = req.version();
    // /healthz answers here, on the I/O thread: it never waits behind slow
    // work. Everything else may block (store, S3 access check): the pool.
    if (r->method == "GET" && path_only(r->target) == "/healthz") {
      return handle(r, ids, keep_alive, version);
    }
    asio::post(*shared_.work, [self = this->shared_from_this(), r, ids, keep_alive, version] {
      self->handle(r, ids, keep_alive, version);
    });
  }

  // Runs the handler (on the pool, or inline for /healthz), then writes the
  // answer on the session's strand.
  void handle(const std::shared_ptr<HttpRequest>& r,
              const std::shared_ptr<std::pair<std::string, std::string>>& ids, bool keep_alive,
              unsigned version) {
    auto started = std::chrono::steady_clock::now();
    // Request id, trace id and their log fields (on this thread); then
    // metrics and the log line.
    auto request_fields = begin_request(*r, ids->first, ids->second);
    HttpResponse resp = shared_.handler(*r);
    // The body may hold credentials: wipe it before the memory is reused.
    secure_wipe(r->body);
    // Failed keys are logged in aggregate by the throttle, not one by one.
    const bool failed_key = note_auth_failure(resp.status, *r);
    secure_wipe(r->authorization);
    finish_request(
        *r, resp, std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
        !failed_key);
    asio::dispatch(stream_.get_executor(), [self = this->shared_from_this(), resp = std::move(resp),
                                            keep_alive, version]() mutable {
      self->body_memory_.reset();
      self->write(std::move(resp), keep_alive, version);
    });
  }

  // Answers a request refused before any handler ran (malformed, too large,
  // throttled, ...) and closes the connection. Like every answer it carries
  // an X-Request-Id (the client's when valid) and is counted in the HTTP
  // metrics; it is logged unless `log` is false. The method and route are
  // the request's when its header was read (and its target is not over the
  // limit), else "other" and "unmatched".
  void send_error(int status, std::string code, std::string message,
                  std::vector<std::pair<std::string, std::string>> headers = {}, bool log = true) {
    HttpRequest r;
    std::string_view request_id, traceparent;
    if (parser_ && parser_->is_header_done()) {
      const auto& h = parser_->get();
      r.method = std::string(h.method_string());
      if (h.target().size() <= shared_.config.max_target_bytes) r.target = std::string(h.target());
      request_id = h["X-Request-Id"];
      traceparent = h["traceparent"];
    }
    const auto fields = begin_request(r, request_id, traceparent);
    HttpResponse resp{status, "application/json", error_body(code, message), std::move(headers)};
    finish_request(r, resp, 0.0, log);
    write(std::move(resp), false, 11);
  }
  void write(HttpResponse resp, bool keep_alive, unsigned version) {
    if (resp.body_stream) return write_streamed(std::move(resp), keep_alive, version);
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

  using Source = std::function<Result<std::string>()>;

  // A streamed body: the head, then each piece as a chunk (made on the pool:
  // it may read the store), then the last chunk. One piece in memory at a
  // time; a client that stops reading stops the stream (idle timeout).
  void write_streamed(HttpResponse resp, bool keep_alive, unsigned version) {
    auto res = std::make_shared<http::response<http::empty_body>>(
        static_cast<http::status>(resp.status), version);
    res->set(http::field::server, "skillsync");
    for (auto& [name, value] : resp.headers) res->set(name, value);
    res->set(http::field::content_type, resp.content_type);
    res->keep_alive(keep_alive);
    res->chunked(true);
    auto sr = std::make_shared<http::response_serializer<http::empty_body>>(*res);
    auto source = std::make_shared<Source>(std::move(resp.body_stream));
    beast::get_lowest_layer(stream_).expires_after(kIdleTimeout);
    http::async_write_header(stream_, *sr,
                             [self = this->shared_from_this(), res, sr, source, keep_alive](
                                 beast::error_code ec, size_t) {
                               if (ec) return self->close();
                               self->next_piece(source, keep_alive);
                             });
  }

  void next_piece(std::shared_ptr<Source> source, bool keep_alive) {
    asio::post(*shared_.work, [self = this->shared_from_this(), source, keep_alive] {
      auto piece = std::make_shared<Result<std::string>>((*source)());
      asio::dispatch(self->stream_.get_executor(), [self, source, piece, keep_alive] {
        self->write_piece(source, std::move(*piece), keep_alive);
      });
    });
  }

  void write_piece(std::shared_ptr<Source> source, Result<std::string> piece, bool keep_alive) {
    if (!piece.ok()) {
      // The head is out: a cut connection is how the client learns of it.
      spdlog::error("a streamed response failed: {}: {}", piece.error().code,
                    piece.error().message);
      return close();
    }
    beast::get_lowest_layer(stream_).expires_after(kIdleTimeout);
    auto self = this->shared_from_this();
    if (piece->empty()) {
      source.reset();
      asio::async_write(stream_, http::make_chunk_last(),
                        [self, keep_alive](beast::error_code ec, size_t) {
                          if (ec || !keep_alive) return self->close();
                          self->read();
                        });
      return;
    }
    auto data = std::make_shared<std::string>(std::move(*piece));
    asio::async_write(stream_, http::make_chunk(asio::buffer(*data)),
                      [self, source, data, keep_alive](beast::error_code ec, size_t) {
                        if (ec) return self->close();
                        self->next_piece(source, keep_alive);
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

}  // namespace skillsync::api::session
