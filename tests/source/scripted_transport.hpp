// ScriptedTransport: a fake Transport that answers each request with the
// next canned answer of a script (or a fallback), after an optional delay,
// and records every request. For unit tests of addressing, redirects,
// listings, presigned URLs and time limits.
#pragma once

#include <algorithm>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "source/s3/transport.hpp"

namespace skillsync::source::s3::testing {

struct Canned {
  Canned() = default;
  Canned(int status_, std::map<std::string, std::string> headers_, std::string body_,
         std::optional<Error> error_ = std::nullopt,
         std::chrono::milliseconds delay_ = std::chrono::milliseconds(0))
      : status(status_),
        headers(std::move(headers_)),
        body(std::move(body_)),
        error(std::move(error_)),
        delay(delay_) {}

  int status = 200;
  std::map<std::string, std::string> headers;
  std::string body;
  std::optional<Error> error;          // a transport failure instead of an answer
  std::chrono::milliseconds delay{0};  // before answering (or failing)
};

struct Script {
  std::mutex mu;
  std::deque<Canned> answers;
  Canned fallback;
  std::vector<TransportRequest> requests;  // bodies not kept

  void push(Canned c) {
    std::lock_guard lock(mu);
    answers.push_back(std::move(c));
  }
  size_t count() {
    std::lock_guard lock(mu);
    return requests.size();
  }
  TransportRequest request(size_t i) {
    std::lock_guard lock(mu);
    return requests.at(i);
  }
};

class CannedResponse final : public ResponseStream {
 public:
  explicit CannedResponse(Canned c) : c_(std::move(c)) {}
  int status() const override { return c_.status; }
  const std::map<std::string, std::string>& headers() const override { return c_.headers; }
  Result<size_t> read(std::span<char> buf) override {
    const size_t n = std::min(buf.size(), c_.body.size() - pos_);
    std::copy_n(c_.body.data() + pos_, n, buf.data());
    pos_ += n;
    return n;
  }

 private:
  Canned c_;
  size_t pos_ = 0;
};

class ScriptedTransport final : public Transport {
 public:
  explicit ScriptedTransport(std::shared_ptr<Script> script) : script_(std::move(script)) {}
  Result<std::unique_ptr<ResponseStream>> open(const TransportRequest& req) override {
    Canned c;
    {
      std::lock_guard lock(script_->mu);
      TransportRequest copy = req;
      copy.body = {};
      script_->requests.push_back(std::move(copy));
      if (script_->answers.empty()) {
        c = script_->fallback;
      } else {
        c = std::move(script_->answers.front());
        script_->answers.pop_front();
      }
    }
    std::this_thread::sleep_for(c.delay);
    if (c.error) return *c.error;
    return std::unique_ptr<ResponseStream>(std::make_unique<CannedResponse>(std::move(c)));
  }

 private:
  std::shared_ptr<Script> script_;
};

inline std::string s3_error_xml(const std::string& code, const std::string& message,
                                const std::string& extra = "") {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>" +
         message + "</Message>" + extra + "<RequestId>R</RequestId></Error>";
}

}  // namespace skillsync::source::s3::testing
