// The libcurl Transport: one easy handle in its own multi handle per
// response, pumped from read() so that no extra thread is needed and the
// reader's pace throttles the download (curl is paused at a high-water mark).
#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <mutex>

#include "source/s3/body_buffer.hpp"
#include "source/s3/transport.hpp"

namespace skillsync::source::s3 {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr size_t kHighWater = 1 << 20;     // pause curl above this many unread bytes
constexpr size_t kBufferSize = 64 * 1024;  // curl's receive buffer: its largest chunk
// The longest the pump waits in curl before it looks at the clock (stall
// timeout) and the cancel token again.
constexpr std::chrono::milliseconds kMaxWait{500};

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

Error transport_error(CURLcode code, const char* detail) {
  std::string message =
      (detail != nullptr && detail[0] != '\0') ? detail : curl_easy_strerror(code);
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return Error{Errc::kTimeout, message};
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
      return Error{"tls_error", message};
    default:
      return Error{Errc::kConnectionFailed, message};
  }
}

class CurlResponse final : public ResponseStream {
 public:
  explicit CurlResponse(const TransportRequest& req)
      : body_(req.body), stall_timeout_(req.stall_timeout), cancel_(req.cancel) {
    error_[0] = '\0';
    multi_ = curl_multi_init();
    easy_ = curl_easy_init();
    for (const auto& [name, value] : req.headers) {
      header_list_ = curl_slist_append(header_list_, (name + ": " + value).c_str());
    }
    // Our body is sent at once; a 100-continue round trip only adds latency.
    header_list_ = curl_slist_append(header_list_, "Expect:");
    curl_easy_setopt(easy_, CURLOPT_URL, req.url.c_str());
    curl_easy_setopt(easy_, CURLOPT_PATH_AS_IS, 1L);  // send exactly the signed path
    curl_easy_setopt(easy_, CURLOPT_HTTPHEADER, header_list_);
    curl_easy_setopt(easy_, CURLOPT_NOSIGNAL, 1L);
    // Redirects are never followed (a region hint is handled by the client,
    // which only ever builds S3 hosts), and only HTTP(S) is spoken at all.
    curl_easy_setopt(easy_, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(easy_, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy_, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(easy_, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(easy_, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(easy_, CURLOPT_BUFFERSIZE, static_cast<long>(kBufferSize));
    curl_easy_setopt(easy_, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(req.connect_timeout.count()));
    curl_easy_setopt(easy_, CURLOPT_ERRORBUFFER, error_);
    curl_easy_setopt(easy_, CURLOPT_HEADERFUNCTION, &CurlResponse::on_header);
    curl_easy_setopt(easy_, CURLOPT_HEADERDATA, this);
    curl_easy_setopt(easy_, CURLOPT_WRITEFUNCTION, &CurlResponse::on_body);
    curl_easy_setopt(easy_, CURLOPT_WRITEDATA, this);
    if (req.method == "HEAD") {
      curl_easy_setopt(easy_, CURLOPT_NOBODY, 1L);
    } else if (req.method == "PUT") {
      curl_easy_setopt(easy_, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(easy_, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(body_.size()));
      curl_easy_setopt(easy_, CURLOPT_READFUNCTION, &CurlResponse::on_upload);
      curl_easy_setopt(easy_, CURLOPT_READDATA, this);
    } else if (req.method != "GET") {
      curl_easy_setopt(easy_, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    }
    curl_multi_add_handle(multi_, easy_);
  }

  ~CurlResponse() override {
    curl_multi_remove_handle(multi_, easy_);
    curl_easy_cleanup(easy_);
    curl_multi_cleanup(multi_);
    curl_slist_free_all(header_list_);
  }

  CurlResponse(const CurlResponse&) = delete;
  CurlResponse& operator=(const CurlResponse&) = delete;

  // Runs the transfer until the final response's headers are in.
  Status start() {
    SKILLSYNC_TRY(pump([this] { return headers_done_; }));
    if (!headers_done_) {
      if (result_ != CURLE_OK) return transport_error(result_, error_);
      return Error{Errc::kConnectionFailed, "connection closed before a response"};
    }
    return ok_status();
  }

  int status() const override { return status_; }
  const std::map<std::string, std::string>& headers() const override { return headers_; }

  Result<size_t> read(std::span<char> buf) override {
    if (unread() == 0) {
      if (paused_) {
        paused_ = false;
        curl_easy_pause(easy_, CURLPAUSE_CONT);  // may deliver held data at once
      }
      if (unread() == 0) SKILLSYNC_TRY(pump([this] { return unread() > 0; }));
    }
    if (unread() == 0) {
      if (result_ != CURLE_OK) return transport_error(result_, error_);
      return size_t{0};
    }
    return unread_.take(buf);
  }

 private:
  size_t unread() const { return unread_.unread(); }

  // Drives curl until `ready()` or the transfer ends. Fails with "timeout"
  // when no byte arrives for stall_timeout, and with "cancelled" once the
  // request's token is set: it is looked at on every wake-up, and curl is
  // polled for at most kMaxWait at a time, so a stalled transfer notices a
  // cancel within that.
  template <class Pred>
  Status pump(Pred ready) {
    auto last_progress = SteadyClock::now();
    uint64_t seen = received_;
    while (!done_) {
      int running = 0;
      curl_multi_perform(multi_, &running);
      int left = 0;
      while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
        if (msg->msg == CURLMSG_DONE) {
          done_ = true;
          result_ = msg->data.result;
        }
      }
      if (ready() || done_) break;
      if (cancel_ != nullptr && cancel_->cancelled()) {
        return Error{Errc::kCancelled, "the transfer was interrupted (task cancelled or stopped)"};
      }
      const auto now = SteadyClock::now();
      if (received_ != seen) {
        seen = received_;
        last_progress = now;
      }
      const auto idle = std::chrono::duration_cast<std::chrono::milliseconds>(now - last_progress);
      if (idle >= stall_timeout_) {
        return Error{Errc::kTimeout,
                     "no data received for " + std::to_string(stall_timeout_.count()) + " ms"};
      }
      const auto wait = std::min<std::chrono::milliseconds>(stall_timeout_ - idle, kMaxWait);
      curl_multi_poll(multi_, nullptr, 0, static_cast<int>(std::max<int64_t>(wait.count(), 1)),
                      nullptr);
    }
    return ok_status();
  }

  static size_t on_header(char* data, size_t size, size_t n, void* user) {
    auto* self = static_cast<CurlResponse*>(user);
    const size_t len = size * n;
    self->received_ += len;
    std::string_view line(data, len);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    if (line.starts_with("HTTP/")) {
      // A new response (after 100 Continue, say): forget the previous one.
      self->headers_.clear();
      self->headers_done_ = false;
    } else if (line.empty()) {
      long code = 0;
      curl_easy_getinfo(self->easy_, CURLINFO_RESPONSE_CODE, &code);
      if (code >= 200) {
        self->status_ = static_cast<int>(code);
        self->headers_done_ = true;
      }
    } else if (const size_t colon = line.find(':'); colon != std::string_view::npos) {
      std::string name(line.substr(0, colon));
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
        value.remove_prefix(1);
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
        value.remove_suffix(1);
      self->headers_[std::move(name)] = std::string(value);
    }
    return len;
  }

  static size_t on_body(char* data, size_t size, size_t n, void* user) {
    auto* self = static_cast<CurlResponse*>(user);
    const size_t len = size * n;
    if (self->unread_.full()) {
      self->paused_ = true;
      return CURL_WRITEFUNC_PAUSE;  // curl keeps this chunk and hands it back later
    }
    self->received_ += len;
    self->unread_.append(data, len);
    return len;
  }

  static size_t on_upload(char* dest, size_t size, size_t n, void* user) {
    auto* self = static_cast<CurlResponse*>(user);
    const size_t len = std::min(size * n, self->body_.size() - self->upload_pos_);
    std::memcpy(dest, self->body_.data() + self->upload_pos_, len);
    self->upload_pos_ += len;
    return len;
  }

  CURLM* multi_ = nullptr;
  CURL* easy_ = nullptr;
  curl_slist* header_list_ = nullptr;
  char error_[CURL_ERROR_SIZE];
  std::string_view body_;
  size_t upload_pos_ = 0;
  std::chrono::milliseconds stall_timeout_;
  const CancellationToken* cancel_;

  std::map<std::string, std::string> headers_;
  bool headers_done_ = false;
  int status_ = 0;
  BodyBuffer unread_{kHighWater, kBufferSize};
  bool paused_ = false;
  bool done_ = false;
  CURLcode result_ = CURLE_OK;
  uint64_t received_ = 0;
};

class CurlTransport final : public Transport {
 public:
  CurlTransport() { global_init(); }

  Result<std::unique_ptr<ResponseStream>> open(const TransportRequest& req) override {
    auto response = std::make_unique<CurlResponse>(req);
    SKILLSYNC_TRY(response->start());
    return std::unique_ptr<ResponseStream>(std::move(response));
  }
};

}  // namespace

std::unique_ptr<Transport> make_curl_transport() { return std::make_unique<CurlTransport>(); }

}  // namespace skillsync::source::s3
