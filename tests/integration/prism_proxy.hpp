// PrismProxy: Stoplight Prism (`prism proxy <document> <upstream> --errors`)
// in front of one skillsync process, validating every request and response
// of the integration tests against the OpenAPI document that process serves.
//
// It runs when SKILLSYNC_IT_PRISM names the prism executable
// (tests/openapi/run.sh sets it to tests/openapi/node_modules/.bin/prism);
// otherwise the tests talk to skillsync directly. SkillsyncProcess then
// sends every request of request()/post_with_headers() through it and sorts
// what prism says (see SkillsyncProcess::request):
//   - a response violation (prism's 500 problem "#VIOLATIONS"): always a
//     test failure, naming the request and the violation;
//   - a request prism refuses (its own 4xx problem before forwarding, or
//     its HTTP layer's "invalid_json" error for a body that is not JSON): the
//     request is sent again, directly to skillsync, and the test goes on
//     with that answer. Allowed only when skillsync refuses it too (4xx):
//     the test sent an invalid request on purpose (a bad body, no key, an
//     unknown method). A request prism refuses but skillsync accepts means
//     the document is stricter than the server: a test failure.
// When the process stops, prism's log must hold no violation either.
// Requests the tests build by hand on base_url() (raw sockets, oversized
// headers) go straight to skillsync and are not validated.
#pragma once

#include <memory>
#include <string>

#include "common/result.hpp"
#include "support/process.hpp"

namespace skillsync::it {

class PrismProxy {
 public:
  // The prism executable from SKILLSYNC_IT_PRISM, or "" when unset.
  static std::string executable();
  // Fetches `upstream`/openapi.json into a file and starts prism on a free
  // loopback port in front of `upstream` ("http://127.0.0.1:N"); waits
  // until it listens.
  static Result<std::unique_ptr<PrismProxy>> start(const std::string& executable,
                                                   const std::string& upstream);
  ~PrismProxy();

  const std::string& base_url() const { return base_url_; }
  std::string log() const;
  // Response violations prism logged ("#VIOLATIONS" lines).
  size_t logged_violations() const;

 private:
  PrismProxy() = default;
  std::unique_ptr<testsupport::TempDir> dir_;
  std::unique_ptr<testsupport::ChildProcess> child_;
  std::string base_url_;
};

// What a response from prism is: skillsync's own answer, or prism's.
enum class PrismVerdict { kForwarded, kRequestRefused, kResponseViolation };
PrismVerdict prism_verdict(const std::string& content_type, const std::string& body);

}  // namespace skillsync::it
