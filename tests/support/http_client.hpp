// A small blocking HTTP client for tests (over libcurl): send a request, get
// the whole answer back. Not for production code paths.
#pragma once

#include <map>
#include <string>

namespace skillsync::testsupport {

struct HttpResponse {
  long status = 0;                             // 0 when no answer came back
  std::map<std::string, std::string> headers;  // lower-case names, last value wins
  std::string body;
  std::string error;  // transport failure (connection refused, ...), else empty
};

// `headers` are sent as given ("Name: value"). A non-empty `body` is sent as
// is (also for GET); HEAD asks for no body. Times out after 30 s.
HttpResponse request(const std::string& method, const std::string& url,
                     const std::map<std::string, std::string>& headers = {},
                     const std::string& body = "");

}  // namespace skillsync::testsupport
