// The web console's static files: served from the binary under /console/
// without a key, byte for byte as in src/api/console/assets/, each with its
// content type and the console's security headers; nothing else is reachable
// through the /console prefix.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "api/api.hpp"
#include "api/console_handler.hpp"
#include "common/crypto.hpp"
#include "support/sqlite_store_test.hpp"

#ifndef SKILLSYNC_CONSOLE_ASSET_DIR
#error "SKILLSYNC_CONSOLE_ASSET_DIR must be defined (tests/api/CMakeLists.txt)"
#endif

namespace skillsync::api {
namespace {

std::string header(const HttpResponse& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void expect_security_headers(const HttpResponse& r) {
  const std::string csp = header(r, "Content-Security-Policy");
  for (const char* directive :
       {"default-src 'self'", "script-src 'self'", "style-src 'self'", "connect-src 'self'",
        "object-src 'none'", "frame-ancestors 'none'", "require-trusted-types-for 'script'"}) {
    EXPECT_NE(csp.find(directive), std::string::npos) << directive << " in " << csp;
  }
  EXPECT_EQ(csp.find("unsafe"), std::string::npos) << csp;
  EXPECT_EQ(header(r, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(header(r, "Referrer-Policy"), "no-referrer");
  EXPECT_EQ(header(r, "Cache-Control"), "no-cache");
}

TEST(ConsoleHandlerTest, EveryAssetIsServedByteForByteWithItsTypeAndHeaders) {
  const std::filesystem::path dir = SKILLSYNC_CONSOLE_ASSET_DIR;
  size_t on_disk = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    ++on_disk;
    const std::string name = entry.path().filename().string();
    HttpResponse r = console_response("GET", "/console/" + name);
    ASSERT_EQ(r.status, 200) << name;
    EXPECT_EQ(r.body, read_file(entry.path())) << name;
    expect_security_headers(r);
    const std::string ext = entry.path().extension().string();
    const std::string want = ext == ".js"     ? "text/javascript; charset=utf-8"
                             : ext == ".css"  ? "text/css; charset=utf-8"
                             : ext == ".html" ? "text/html; charset=utf-8"
                             : ext == ".svg"  ? "image/svg+xml"
                                              : "?";
    EXPECT_EQ(r.content_type, want) << name;
  }
  EXPECT_EQ(console_assets().size(), on_disk);
  HttpResponse index = console_response("GET", "/console/");
  EXPECT_EQ(index.body, read_file(dir / "index.html"));
}

TEST(ConsoleHandlerTest, RedirectsNotFoundAndMethods) {
  HttpResponse bare = console_response("GET", "/console");
  EXPECT_EQ(bare.status, 308);
  EXPECT_EQ(header(bare, "Location"), "/console/");
  expect_security_headers(bare);
  for (const char* path : {"/console/nope.js", "/console/../api.cpp", "/console/assets/app.js",
                           "/console/%2e%2e/api.cpp", "/console/app.js/"}) {
    HttpResponse r = console_response("GET", path);
    EXPECT_EQ(r.status, 404) << path;
    expect_security_headers(r);
  }
  HttpResponse post = console_response("POST", "/console/");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(header(post, "Allow"), "GET");
}

TEST(ConsoleHandlerTest, OnlyTheConsolePrefixIsTheConsoles) {
  EXPECT_TRUE(is_console_path("/console"));
  EXPECT_TRUE(is_console_path("/console/"));
  EXPECT_TRUE(is_console_path("/console/app.js"));
  EXPECT_FALSE(is_console_path("/consoles"));
  EXPECT_FALSE(is_console_path("/console.js"));
  EXPECT_FALSE(is_console_path("/"));
  EXPECT_FALSE(is_console_path("/integrations/file-load-tasks"));
}

// The assets insert values as text only and run no inline code: no HTML sinks,
// no eval, no inline script, style or event handler (the CSP would block them;
// this keeps them from being written at all).
TEST(ConsoleHandlerTest, AssetsUseNoHtmlSinksEvalOrInlineCode) {
  const std::regex forbidden(
      R"(innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\s*\(|new Function|setTimeout\s*\(\s*['"`]|<script>|<script(?![^>]*\bsrc=)[^>]*>|\sstyle\s*=|\son[a-z]+\s*=\s*["'])");
  for (const ConsoleAsset& a : console_assets()) {
    std::smatch m;
    const std::string body(a.body);
    EXPECT_FALSE(std::regex_search(body, m, forbidden)) << a.name << ": " << m.str();
  }
}

class ConsoleApiTest : public testsupport::SqliteStoreTest {};

TEST_F(ConsoleApiTest, TheApiServesTheConsoleWithoutAKeyAndNothingElse) {
  tasks::MasterKey master{SecretString(crypto::random_bytes(32))};
  tasks::TaskService service(*store_, master, SystemClock::instance());
  Api api(*store_, service, nullptr);
  auto get = [&](std::string target) {
    HttpRequest r;
    r.method = "GET";
    r.target = std::move(target);
    return api.handle(r);
  };
  HttpResponse page = get("/console/?utm=x");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(get("/console/app.js").status, 200);
  EXPECT_EQ(get("/console").status, 308);
  // The prefix opens nothing of the API: dot segments stay console paths.
  EXPECT_EQ(get("/console/../integrations/file-load-tasks").status, 404);
  EXPECT_EQ(get("/consoles").status, 401);
  EXPECT_EQ(get("/integrations/file-load-tasks").status, 401);
}

}  // namespace
}  // namespace skillsync::api
