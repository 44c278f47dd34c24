#include "integration/prism_proxy.hpp"

#include <signal.h>

#include <cstdlib>
#include <fstream>

#include "support/http_client.hpp"

namespace skillsync::it {

namespace {

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

}  // namespace

std::string PrismProxy::executable() {
  const char* v = std::getenv("SKILLSYNC_IT_PRISM");
  return v == nullptr ? std::string() : std::string(v);
}

Result<std::unique_ptr<PrismProxy>> PrismProxy::start(const std::string& executable,
                                                      const std::string& upstream) {
  std::unique_ptr<PrismProxy> p(new PrismProxy());
  p->dir_ = std::make_unique<testsupport::TempDir>("skillsync-it-prism-");
  testsupport::HttpResponse doc = testsupport::request("GET", upstream + "/openapi.json", {}, "");
  if (doc.status != 200) {
    return Error{"prism", "GET /openapi.json answered " + std::to_string(doc.status)};
  }
  const std::string doc_path = p->dir_->file("openapi.json");
  std::ofstream(doc_path) << doc.body;
  const int port = testsupport::free_port();
  p->base_url_ = "http://127.0.0.1:" + std::to_string(port);
  p->child_ = std::make_unique<testsupport::ChildProcess>(
      std::vector<std::string>{executable, "proxy", doc_path, upstream, "--errors", "--host",
                               "127.0.0.1", "--port", std::to_string(port)},
      std::map<std::string, std::string>{{"NO_COLOR", "1"}, {"FORCE_COLOR", "0"}}, p->dir_->path(),
      "prism");
  // Node starts slowly on a busy machine.
  const bool up = testsupport::wait_until(
      [&] {
        return !p->child_->running() || p->log().find("Prism is listening") != std::string::npos;
      },
      std::chrono::seconds(120), std::chrono::milliseconds(50));
  if (!up || !p->child_->running()) {
    return Error{"prism", "prism did not start; its log:\n" + p->log()};
  }
  return p;
}

PrismProxy::~PrismProxy() {
  if (child_ && child_->running()) {
    child_->kill(SIGTERM);
    if (!testsupport::wait_until([&] { return !child_->running(); }, std::chrono::seconds(10))) {
      child_->kill(SIGKILL);
    }
  }
  if (child_) child_->wait();
}

std::string PrismProxy::log() const {
  return testsupport::read_file(child_->stdout_path()) +
         testsupport::read_file(child_->stderr_path());
}

size_t PrismProxy::logged_violations() const { return count(log(), "errors#VIOLATIONS"); }

PrismVerdict prism_verdict(const std::string& content_type, const std::string& body) {
  // Prism's HTTP layer (micri) refuses a body that is not JSON before
  // validating anything, with its own error object (skillsync's always has
  // "details" and code malformed_json).
  if (body == R"({"error":{"code":"invalid_json","message":"Invalid JSON"}})") {
    return PrismVerdict::kRequestRefused;
  }
  if (content_type.rfind("application/problem+json", 0) != 0 ||
      body.find("/prism/errors#") == std::string::npos) {
    return PrismVerdict::kForwarded;
  }
  if (body.find("/prism/errors#VIOLATIONS") != std::string::npos) {
    return PrismVerdict::kResponseViolation;
  }
  return PrismVerdict::kRequestRefused;
}

}  // namespace skillsync::it
