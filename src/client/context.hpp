// Where the client commands find their server and API key, and how a failed
// request is told to the person (always with what to do next).
//
// Server: --server, else SKILLSYNC_URL, else the `skillsync login` file,
// else http://127.0.0.1:8080. Key: --api-key-file, else SKILLSYNC_API_KEY,
// else the login file. The key is never printed.
// Login file: $XDG_CONFIG_HOME/skillsync/config (else ~/.config/skillsync/
// config), mode 0600, lines "server = URL" and "api_key = KEY".
#pragma once

#include <string>

#include "client/aws_credentials.hpp"
#include "client/http_client.hpp"
#include "common/result.hpp"

namespace skillsync::client {

inline constexpr const char* kDefaultServer = "http://127.0.0.1:8080";

struct ConnectionFlags {
  std::string server;        // --server
  std::string api_key_file;  // --api-key-file
};

std::string login_file_path(const EnvLookup& env);

// The client for these flags; Error code "usage" (exit 64) when there is no key.
Result<HttpClient> connect(const ConnectionFlags& flags, const EnvLookup& env);

// Saves server and key in the login file (mode 0600); returns its path.
Result<std::string> save_login(const std::string& server, const SecretString& key,
                               const EnvLookup& env);

// One line for a request that got no answer or a non-2xx one: what happened,
// the server's own message and fields, and what to do next. `doing` names
// the request ("creating the task"). Pure.
std::string describe_failure(const Result<HttpResponse>& r, const std::string& server,
                             const std::string& doing);
// The exit code of such a failure (69 no answer, 77 401/403, else 1).
int failure_exit_code(const Result<HttpResponse>& r);
// Prints describe_failure() on stderr and returns failure_exit_code().
int report_failure(const Result<HttpResponse>& r, const HttpClient& http, const std::string& doing);

// Percent-encodes everything but A-Z a-z 0-9 - _ . ~ (a path segment or a
// query value).
std::string url_escape(const std::string& s);

}  // namespace skillsync::client
