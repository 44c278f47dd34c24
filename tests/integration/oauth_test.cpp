// OAuth2 client credentials through the real binary, as a standard client
// does it: `skillsync clients create`, then the real `curl` asks
// POST /oauth/token with the JSON body (TechWolf's flow), the form body and
// HTTP Basic (RFC 6749 section 4.4), and the token is used on the API.
// Read-scoped tokens cannot write; tampered, expired and revoked-client
// tokens get 401; the token endpoint's errors follow RFC 6749 section 5.2;
// GET /version tells a key from a token.
#include <gtest/gtest.h>

#include <chrono>
#include <sstream>
#include <thread>

#include "integration/it_env.hpp"
#include "support/process.hpp"

namespace skillsync::it {
namespace {
namespace json = boost::json;

constexpr const char* kEvent =
    R"({"external_id":"oauth-1","event_type":"learning","timestamp":"2021-01-01T00:00:00Z",
        "content":{"course_id":"course-1"}})";

struct Client {
  std::string id;
  std::string secret;
};

// What curl saw: the status, the headers (lower-case names) and the body.
struct CurlAnswer {
  long status = 0;
  std::map<std::string, std::string> headers;
  json::value body;
};

std::string last_line(const std::string& text) {
  std::istringstream in(text);
  std::string line, last;
  while (std::getline(in, line)) {
    if (!line.empty()) last = line;
  }
  return last;
}

// `curl -sS -D - <args> <url>`: headers then body on stdout.
CurlAnswer curl(const std::string& url, std::vector<std::string> args) {
  std::vector<std::string> argv = {"/usr/bin/curl", "-sS", "-D", "-", "-X", "POST"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back(url);
  CommandResult r = run_command(argv);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  CurlAnswer a;
  const size_t split = r.out.find("\r\n\r\n");
  if (split == std::string::npos) {
    ADD_FAILURE() << "curl printed:\n" << r.out;
    return a;
  }
  std::istringstream head(r.out.substr(0, split));
  std::string line;
  std::getline(head, line);  // HTTP/1.1 200 OK
  a.status = std::stol(line.substr(line.find(' ') + 1, 3));
  while (std::getline(head, line)) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == ' ')) value.pop_back();
    a.headers[name] = value;
  }
  boost::system::error_code ec;
  a.body = json::parse(r.out.substr(split + 4), ec);
  if (ec) ADD_FAILURE() << "not JSON: " << r.out.substr(split + 4);
  return a;
}

class OAuthTest : public StackTest<OAuthTest> {
 public:
  static StackOptions stack_options() {
    StackOptions o;
    o.workers = 1;
    return o;
  }

 protected:
  // `skillsync clients create` on the server's data directory.
  Client create(const std::string& tenant, const std::string& scopes,
                const std::string& data_dir = "") {
    CommandResult r =
        run_skillsync({"clients", "create", "--tenant", tenant, "--scope", scopes, "--data-dir",
                       data_dir.empty() ? app().data_dir() : data_dir, "--log-level", "warn"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    boost::system::error_code ec;
    json::value v = json::parse(last_line(r.out), ec);
    if (ec || !v.is_object()) {
      ADD_FAILURE() << "the last line is not a JSON object:\n" << r.out;
      return {};
    }
    return {str(v.as_object(), "client_id"), str(v.as_object(), "client_secret")};
  }

  std::string token_url() { return app().base_url() + "/oauth/token"; }

  CurlAnswer token_json(const json::object& body, const std::string& base = "") {
    return curl((base.empty() ? app().base_url() : base) + "/oauth/token",
                {"-H", "Content-Type: application/json", "--data-binary", json::serialize(body)});
  }

  static json::object published_body(const Client& c, const std::string& tenant) {
    return {{"client_id", c.id},
            {"client_secret", c.secret},
            {"grant_type", "client_credentials"},
            {"audience", "https://api.techwolf.ai"},
            {"tenant", tenant}};
  }

  // A token for `c`, or "" after a test failure.
  std::string token_for(const Client& c, const std::string& tenant, const std::string& base = "") {
    CurlAnswer a = token_json(published_body(c, tenant), base);
    EXPECT_EQ(a.status, 200) << json::serialize(a.body);
    if (a.status != 200) return "";
    return str(as_object(a.body), "access_token");
  }

  ApiResponse as(const std::string& token, const std::string& method, const std::string& path,
                 const std::string& body = "") {
    return app().request(method, path, body, "Bearer " + token);
  }
};

TEST_F(OAuthTest, AClientGetsATokenWithTheJsonBodyAndUsesItOnTheApi) {
  const std::string tenant = unique_id("oauth-t");
  const Client c = create(tenant, "read,write");
  EXPECT_TRUE(c.id.starts_with("cl_"));
  CurlAnswer a = token_json(published_body(c, tenant));
  ASSERT_EQ(a.status, 200) << json::serialize(a.body);
  const json::object& o = as_object(a.body);
  EXPECT_EQ(str(o, "token_type"), "Bearer");
  EXPECT_EQ(num(o, "expires_in"), 10800);
  EXPECT_EQ(str(o, "scope"), "read write");
  EXPECT_EQ(a.headers["cache-control"], "no-store");
  const std::string token = str(o, "access_token");

  const std::string employee = unique_id("emp");
  ApiResponse created =
      as(token, "POST", "/employees/" + employee + "/skill_events?language=en", kEvent);
  EXPECT_EQ(created.status, 201) << created.body;
  ApiResponse got = as(token, "GET", "/employees/" + employee + "/skill_events/oauth-1");
  EXPECT_EQ(got.status, 200) << got.body;
  // The token acts for its client's tenant only.
  EXPECT_EQ(app().get("/employees/" + employee + "/skill_events/oauth-1").status, 404);
  ApiResponse tasks = as(token, "GET", "/integrations/file-load-tasks");
  EXPECT_EQ(tasks.status, 200) << tasks.body;
}

TEST_F(OAuthTest, TheFormBodyAndHttpBasicGetTokensToo) {
  const std::string tenant = unique_id("oauth-t");
  const Client c = create(tenant, "read");
  CurlAnswer form = curl(token_url(), {"-d", "grant_type=client_credentials", "-d",
                                       "client_id=" + c.id, "-d", "client_secret=" + c.secret});
  ASSERT_EQ(form.status, 200) << json::serialize(form.body);
  EXPECT_EQ(str(as_object(form.body), "scope"), "read");
  EXPECT_EQ(form.headers["cache-control"], "no-store");
  const std::string token = str(as_object(form.body), "access_token");
  EXPECT_EQ(as(token, "GET", "/integrations/file-load-tasks").status, 200);

  CurlAnswer basic = curl(token_url(), {"-u", c.id + ":" + c.secret, "-d",
                                        "grant_type=client_credentials", "-d", "scope=read"});
  ASSERT_EQ(basic.status, 200) << json::serialize(basic.body);
  EXPECT_EQ(as(str(as_object(basic.body), "access_token"), "GET", "/version").status, 200);
}

TEST_F(OAuthTest, AReadScopedTokenCannotWrite) {
  const std::string tenant = unique_id("oauth-t");
  const std::string employee = unique_id("emp");
  const std::string path = "/employees/" + employee + "/skill_events";
  const std::string read_only = token_for(create(tenant, "read"), tenant);
  EXPECT_EQ(as(read_only, "GET", path).status, 200);
  ApiResponse refused = as(read_only, "POST", path, kEvent);
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_EQ(str(obj(as_object(refused.json()), "error"), "code"), "forbidden");

  // A read,write client asking for read only gets read only.
  const Client rw = create(tenant, "read,write");
  json::object body = published_body(rw, tenant);
  body["scopes"] = json::array{"read"};
  CurlAnswer a = token_json(body);
  ASSERT_EQ(a.status, 200) << json::serialize(a.body);
  EXPECT_EQ(str(as_object(a.body), "scope"), "read");
  EXPECT_EQ(as(str(as_object(a.body), "access_token"), "POST", path, kEvent).status, 403);
  EXPECT_EQ(as(token_for(rw, tenant), "POST", path + "?language=en", kEvent).status, 201);
}

TEST_F(OAuthTest, VersionTellsAKeyFromAToken) {
  ApiResponse by_key = app().get("/version");
  ASSERT_EQ(by_key.status, 200) << by_key.body;
  const json::value key_json = by_key.json();
  const json::object& k = as_object(key_json);
  EXPECT_FALSE(str(k, "version").empty());
  EXPECT_EQ(str(k, "tenant"), "default");
  EXPECT_EQ(json::serialize(k.at("scopes")), R"(["read","write"])");
  EXPECT_EQ(str(k, "auth"), "api_key");

  const std::string tenant = unique_id("oauth-t");
  ApiResponse by_token = as(token_for(create(tenant, "read"), tenant), "GET", "/version");
  ASSERT_EQ(by_token.status, 200) << by_token.body;
  const json::value token_json = by_token.json();
  const json::object& t = as_object(token_json);
  EXPECT_EQ(str(t, "version"), str(k, "version"));
  EXPECT_EQ(str(t, "tenant"), tenant);
  EXPECT_EQ(json::serialize(t.at("scopes")), R"(["read"])");
  EXPECT_EQ(str(t, "auth"), "oauth");
  EXPECT_EQ(app().request("GET", "/version", "", "").status, 401);
}

TEST_F(OAuthTest, TheTokenEndpointAnswersRfc6749Errors) {
  const std::string tenant = unique_id("oauth-t");
  const Client c = create(tenant, "read");
  auto error_of = [](const CurlAnswer& a) { return str(as_object(a.body), "error"); };

  json::object wrong = published_body(c, tenant);
  wrong["client_secret"] = "cs_wrong";
  CurlAnswer bad_secret = token_json(wrong);
  EXPECT_EQ(bad_secret.status, 401);
  EXPECT_EQ(error_of(bad_secret), "invalid_client");
  EXPECT_TRUE(bad_secret.headers["www-authenticate"].starts_with("Basic"));
  EXPECT_EQ(bad_secret.headers["cache-control"], "no-store");

  CurlAnswer bad_basic =
      curl(token_url(), {"-u", c.id + ":nope", "-d", "grant_type=client_credentials"});
  EXPECT_EQ(bad_basic.status, 401);
  EXPECT_EQ(error_of(bad_basic), "invalid_client");

  json::object grant = published_body(c, tenant);
  grant["grant_type"] = "password";
  CurlAnswer bad_grant = token_json(grant);
  EXPECT_EQ(bad_grant.status, 400);
  EXPECT_EQ(error_of(bad_grant), "unsupported_grant_type");

  json::object scope = published_body(c, tenant);
  scope["scopes"] = "read write";
  CurlAnswer bad_scope = token_json(scope);
  EXPECT_EQ(bad_scope.status, 400);
  EXPECT_EQ(error_of(bad_scope), "invalid_scope");

  CurlAnswer other_tenant = token_json(published_body(c, "someone-else"));
  EXPECT_EQ(other_tenant.status, 400);
  EXPECT_EQ(error_of(other_tenant), "invalid_request");

  CurlAnswer repeated =
      curl(token_url(), {"-d", "grant_type=client_credentials&grant_type=client_credentials", "-d",
                         "client_id=" + c.id, "-d", "client_secret=" + c.secret});
  EXPECT_EQ(repeated.status, 400);
  EXPECT_EQ(error_of(repeated), "invalid_request");
  // Never the secret in an answer or the log.
  EXPECT_EQ(app().log().find(c.secret), std::string::npos);
}

TEST_F(OAuthTest, TamperedAndRevokedClientTokensAreRefused) {
  const std::string tenant = unique_id("oauth-t");
  const Client c = create(tenant, "read");
  const std::string token = token_for(c, tenant);
  ASSERT_FALSE(token.empty());
  // Another tenant in the payload, the signature kept.
  const size_t a = token.find('.');
  const size_t b = token.find('.', a + 1);
  std::string payload = token.substr(a + 1, b - a - 1);
  payload[payload.size() / 2] = payload[payload.size() / 2] == 'A' ? 'B' : 'A';
  for (const std::string& bad : {token.substr(0, a + 1) + payload + token.substr(b),
                                 token.substr(0, token.size() - 2) + "xx"}) {
    ApiResponse r = as(bad, "GET", "/version");
    EXPECT_EQ(r.status, 401) << r.body;
    EXPECT_EQ(r.header("www-authenticate").find("Bearer"), 0u);
  }

  // Revoked before the server first checked this client: refused at once
  // (a server that checked it already knows within 30 s: docs/security.md).
  CommandResult revoked = run_skillsync(
      {"clients", "revoke", c.id, "--data-dir", app().data_dir(), "--log-level", "warn"});
  ASSERT_EQ(revoked.exit_code, 0) << revoked.err;
  ApiResponse refused = as(token, "GET", "/version");
  EXPECT_EQ(refused.status, 401) << refused.body;
  EXPECT_NE(refused.body.find("revoked"), std::string::npos) << refused.body;
  CurlAnswer again = token_json(published_body(c, tenant));
  EXPECT_EQ(again.status, 401);
  EXPECT_EQ(str(as_object(again.body), "error"), "invalid_client");

  CommandResult list = run_skillsync({"clients", "list", "--data-dir", app().data_dir()});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find(c.id), std::string::npos);
  EXPECT_EQ(list.out.find(c.secret), std::string::npos);
  EXPECT_NE(run_skillsync({"clients", "revoke", c.id, "--data-dir", app().data_dir()}).exit_code, 0)
      << "revoking twice fails";
}

// A server with --token-lifetime 2 (SKILLSYNC_TOKEN_LIFETIME): its tokens
// are refused once they expire.
TEST(OAuthExpiry, ATokenIsRefusedAfterItsLifetime) {
  testsupport::TempDir dir;
  SkillsyncOptions options;
  options.s3_endpoint = "http://127.0.0.1:9";  // no task runs here
  options.data_dir = dir.path();
  options.env["SKILLSYNC_TOKEN_LIFETIME"] = "2";
  auto app = SkillsyncProcess::start(options);
  ASSERT_TRUE(app.ok()) << app.error().message;
  CommandResult created = run_skillsync(
      {"clients", "create", "--tenant", "acme", "--scope", "read", "--data-dir", dir.path()});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const json::object c = json::parse(last_line(created.out)).as_object();
  CurlAnswer a =
      curl((*app)->base_url() + "/oauth/token",
           {"-d", "grant_type=client_credentials", "-d", "client_id=" + str(c, "client_id"), "-d",
            "client_secret=" + str(c, "client_secret")});
  ASSERT_EQ(a.status, 200) << json::serialize(a.body);
  EXPECT_EQ(num(as_object(a.body), "expires_in"), 2);
  const std::string token = str(as_object(a.body), "access_token");
  // Wait for the expiry (at most 2 s after issue), then it stays refused.
  ApiResponse r;
  for (int i = 0; i < 200; ++i) {
    r = (*app)->request("GET", "/version", "", "Bearer " + token);
    if (r.status == 401) break;
    EXPECT_EQ(r.status, 200) << r.body;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_NE(r.body.find("expired"), std::string::npos) << r.body;
  EXPECT_EQ((*app)->stop(), 0) << (*app)->log_tail();
}

// Failed client authentications at POST /oauth/token count toward the
// per-address auth throttle (--max-auth-failures), also with the secret in
// the body and no Authorization header.
TEST(OAuthThrottle, FailedTokenRequestsCountTowardTheAuthThrottle) {
  testsupport::TempDir dir;
  SkillsyncOptions options;
  options.s3_endpoint = "http://127.0.0.1:9";  // no task runs here
  options.data_dir = dir.path();
  options.env["SKILLSYNC_MAX_AUTH_FAILURES"] = "2";
  auto app = SkillsyncProcess::start(options);
  ASSERT_TRUE(app.ok()) << app.error().message;
  CommandResult created = run_skillsync(
      {"clients", "create", "--tenant", "acme", "--scope", "read", "--data-dir", dir.path()});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const json::object c = json::parse(last_line(created.out)).as_object();
  auto ask = [&](const std::string& secret) {
    return curl((*app)->base_url() + "/oauth/token",
                {"-d", "grant_type=client_credentials", "-d", "client_id=" + str(c, "client_id"),
                 "-d", "client_secret=" + secret});
  };
  EXPECT_EQ(ask("cs_wrong").status, 401);
  EXPECT_EQ(ask("cs_wrong").status, 401);
  CurlAnswer refused = ask(str(c, "client_secret"));
  EXPECT_EQ(refused.status, 429) << json::serialize(refused.body);
  EXPECT_FALSE(refused.headers["retry-after"].empty());
  EXPECT_EQ((*app)->stop(), 0) << (*app)->log_tail();
}

}  // namespace
}  // namespace skillsync::it
