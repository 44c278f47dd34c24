// Server, key, login file and failure messages (see context.hpp).
#include "client/context.hpp"
#include "client/client_errors.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "client/exit_codes.hpp"

namespace skillsync::client {
namespace json = boost::json;
namespace {

std::string read_all(const std::string& path, bool& ok) {
  std::ifstream in(path);
  ok = static_cast<bool>(in);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string first_line(std::string s) {
  const size_t nl = s.find_first_of("\r\n");
  if (nl != std::string::npos) s.resize(nl);
  return s;
}

// "code: message; field: code: message; ..." from an error body, or "".
std::string server_message(const std::string& body) {
  boost::system::error_code ec;
  const json::value v = json::parse(body, ec);
  if (ec || !v.is_object() || !v.as_object().contains("error")) return "";
  const json::value& e = v.as_object().at("error");
  if (!e.is_object()) return "";
  const auto str = [](const json::object& o, const char* k) {
    const json::value* x = o.if_contains(k);
    return x != nullptr && x->is_string() ? std::string(x->as_string()) : std::string();
  };
  std::string out = str(e.as_object(), "code") + ": " + str(e.as_object(), "message");
  if (const json::value* d = e.as_object().if_contains("details"); d && d->is_array()) {
    for (const json::value& item : d->as_array()) {
      if (!item.is_object()) continue;
      out += "; " + str(item.as_object(), "field") + ": " + str(item.as_object(), "code") + ": " +
             str(item.as_object(), "message");
    }
  }
  return out;
}

std::string hint(long status, const std::string& body) {
  switch (status) {
    case 401:
      return "check SKILLSYNC_API_KEY or --api-key-file (or run `skillsync login`)";
    case 403:
      return "use a key with the scope this needs (`skillsync keys create --scope read,write`)";
    case 404:
      return "check the id (`skillsync tasks list` lists tasks)";
    case 409:
      if (body.find(errc_name(Errc::kIdempotencyConflict)) != std::string::npos)
        return "this --idempotency-key was used with other arguments: pass a new key or the "
               "same arguments";
      return "the task has already ended (`skillsync tasks show ID`)";
    case 413:
      return "the request is too large for the server's --max-body-bytes";
    case 422:
      return "fix what is named above and run the command again";
    case 429:
      return "the server is limiting this key's requests; wait a little and run again";
    default:
      break;
  }
  if (status >= 500) return "the server failed: see its log, then run the command again";
  return "see docs/api.md for this answer";
}

}  // namespace

std::string login_file_path(const EnvLookup& env) {
  if (auto xdg = env("XDG_CONFIG_HOME")) return *xdg + "/skillsync/config";
  return env("HOME").value_or(".") + "/.config/skillsync/config";
}

Result<HttpClient> connect(const ConnectionFlags& flags, const EnvLookup& env) {
  bool have_login = false;
  const IniFile login = parse_ini("[login]\n" + read_all(login_file_path(env), have_login));
  const auto& saved = login.at("login");
  const auto saved_value = [&](const char* k) {
    const auto it = saved.find(k);
    return it == saved.end() ? std::string() : it->second;
  };
  std::string server = flags.server;
  if (server.empty()) server = env("SKILLSYNC_URL").value_or(saved_value("server"));
  if (server.empty()) server = kDefaultServer;
  std::string key;
  if (!flags.api_key_file.empty()) {
    bool ok = false;
    key = first_line(read_all(flags.api_key_file, ok));
    if (!ok) return usage_error("cannot read --api-key-file " + flags.api_key_file);
  } else {
    key = env("SKILLSYNC_API_KEY").value_or(saved_value("api_key"));
  }
  if (key.empty()) {
    return usage_error(
        "no API key: set SKILLSYNC_API_KEY, pass --api-key-file FILE or run `skillsync "
        "login` (keys come from `skillsync keys create`)");
  }
  return HttpClient(server, SecretString(std::move(key)));
}

Result<std::string> save_login(const std::string& server, const SecretString& key,
                               const EnvLookup& env) {
  const std::string path = login_file_path(env);
  const std::string dir = path.substr(0, path.rfind('/'));
  const std::string parent = dir.substr(0, dir.rfind('/'));
  ::mkdir(parent.c_str(), 0700);
  ::mkdir(dir.c_str(), 0700);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || ::fchmod(fd, 0600) != 0) {
    if (fd >= 0) ::close(fd);
    return Error{"io_error", "cannot write " + path + ": check that directory's permissions"};
  }
  std::string text = "server = " + server + "\napi_key = " + key.reveal() + "\n";
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  secure_wipe(text);
  if (::close(fd) != 0 || !written) return Error{"io_error", "cannot write " + path};
  return path;
}

std::string describe_failure(const Result<HttpResponse>& r, const std::string& server,
                             const std::string& doing) {
  if (!r.ok()) {
    if (!is_unreachable(r.error())) return doing + ": " + r.error().message;
    return doing + ": cannot reach the skillsync server at " + server + " (" + r.error().message +
           "); check that it runs and --server / SKILLSYNC_URL";
  }
  const long status = r->status;
  std::string what = server_message(r->body);
  if (status == 401) return "the server refused the API key (401); " + hint(401, r->body);
  if (status == 403) {
    return "the server refused the API key (403" + (what.empty() ? "" : " " + what) + "); " +
           hint(403, r->body);
  }
  std::string line = doing + ": the server answered " + std::to_string(status);
  if (!what.empty()) line += " (" + what + ")";
  return line + "; " + hint(status, r->body);
}

int failure_exit_code(const Result<HttpResponse>& r) {
  if (!r.ok()) return is_unreachable(r.error()) ? kExitUnavailable : kExitRequestFailed;
  return exit_for_http(r->status);
}

int report_failure(const Result<HttpResponse>& r, const HttpClient& http,
                   const std::string& doing) {
  std::cerr << "skillsync: " << describe_failure(r, http.base_url(), doing) << "\n";
  return failure_exit_code(r);
}

std::string url_escape(const std::string& s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

}  // namespace skillsync::client
