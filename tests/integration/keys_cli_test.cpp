// `skillsync keys create|list|revoke` through the real binary, on the data
// directory of a running server: created keys work at once, revoked keys
// stop working at once, and no listing ever shows a key.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <sstream>

#include "common/crypto.hpp"
#include "integration/it_env.hpp"
#include "support/process.hpp"

namespace skillsync::it {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::vector<std::string> fields_of(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  for (std::string f; in >> f;) out.push_back(f);
  return out;
}

bool is_rfc3339_second(const std::string& s) {
  static const std::regex kForm(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)");
  return std::regex_match(s, kForm);
}

class KeysCliTest : public StackTest<KeysCliTest> {
 protected:
  std::vector<std::string> store_args() {
    return {"--data-dir", app().data_dir(), "--log-level", "warn"};
  }

  CommandResult keys(std::vector<std::string> args) {
    std::vector<std::string> all = {"keys"};
    all.insert(all.end(), args.begin(), args.end());
    for (const auto& a : store_args()) all.push_back(a);
    CommandResult r = run_skillsync(all);
    EXPECT_FALSE(r.timed_out);
    return r;
  }

  struct Created {
    std::string id;
    std::string key;
  };
  // `keys create`; fails the test unless it succeeds.
  Created create(const std::string& tenant, const std::string& scopes) {
    CommandResult r = keys({"create", "--tenant", tenant, "--scope", scopes});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<std::string> out = lines_of(r.out);
    if (out.size() < 2) {
      ADD_FAILURE() << "create printed:\n" << r.out;
      return {};
    }
    return {fields_of(out[out.size() - 2]).at(0), out.back()};
  }

  // The `keys list` line of `id`, split into fields; empty when absent.
  std::vector<std::string> listed(const std::string& id) {
    CommandResult r = keys({"list"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    for (const std::string& line : lines_of(r.out)) {
      std::vector<std::string> f = fields_of(line);
      if (!f.empty() && f[0] == id) return f;
    }
    return {};
  }

  ApiResponse get_as(const std::string& key, const std::string& path) {
    return app().request("GET", path, "", "Bearer " + key);
  }
};

TEST_F(KeysCliTest, CreatePrintsTheKeyOnceOnTheLastLineAndItWorksAtOnce) {
  const std::string tenant = unique_id("tenant");
  CommandResult r = keys({"create", "--tenant", tenant, "--scope", "read,write"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> out = lines_of(r.out);
  ASSERT_GE(out.size(), 1u) << r.out;
  const std::string key = out.back();
  // Alone on its line, random and long: "sk_" + >= 128 bits in base64url.
  EXPECT_EQ(key.rfind("sk_", 0), 0u) << key;
  EXPECT_GE(key.size(), 3u + 22u);
  EXPECT_EQ(key.find_first_of(" \t"), std::string::npos);
  EXPECT_EQ(r.err.find(key), std::string::npos) << "the key is printed once, on stdout";
  size_t seen = 0;
  for (const auto& line : out) seen += line.find(key) != std::string::npos;
  EXPECT_EQ(seen, 1u) << r.out;
  // Two calls, two different keys.
  EXPECT_NE(create(tenant, "read").key, key);

  const std::string employee = unique_id("emp-cli");
  EXPECT_EQ(get_as(key, "/employees/" + employee + "/skill_events").status, 200);
  ApiResponse posted = app().request(
      "POST", "/employees/" + employee + "/skill_events?language=en",
      R"({"external_id":"ev-1","event_type":"learning","timestamp":"2021-01-01T00:00:00Z",
          "content":{"course_id":"c-1"}})",
      "Bearer " + key);
  EXPECT_EQ(posted.status, 201) << posted.body;
  EXPECT_EQ(app().log().find(key), std::string::npos) << "the server never logs a key";
}

TEST_F(KeysCliTest, ListShowsEveryKeyWithItsUseButNeverTheKey) {
  const std::string tenant = unique_id("tenant");
  Created c = create(tenant, "write,read");
  ASSERT_FALSE(c.id.empty());

  std::vector<std::string> f = listed(c.id);
  ASSERT_EQ(f.size(), 6u) << "id tenant scopes created last-used revoked";
  EXPECT_EQ(f[1], tenant);
  EXPECT_EQ(f[2], "read,write") << "scopes are stored in canonical order";
  EXPECT_TRUE(is_rfc3339_second(f[3])) << f[3];
  EXPECT_EQ(f[4], "-") << "never used yet";
  EXPECT_EQ(f[5], "-") << "not revoked";
  // The server's own first key is listed too.
  CommandResult all = keys({"list"});
  EXPECT_GE(lines_of(all.out).size(), 2u) << all.out;

  ASSERT_EQ(get_as(c.key, "/integrations/file-load-tasks").status, 200);
  f = listed(c.id);
  ASSERT_EQ(f.size(), 6u);
  EXPECT_TRUE(is_rfc3339_second(f[4])) << "last use is recorded: " << f[4];

  CommandResult list = keys({"list"});
  for (const std::string& secret :
       {c.key, crypto::sha256_hex(c.key), app().api_key(), crypto::sha256_hex(app().api_key())}) {
    EXPECT_EQ(list.out.find(secret), std::string::npos) << list.out;
    EXPECT_EQ(list.err.find(secret), std::string::npos) << list.err;
  }
}

TEST_F(KeysCliTest, RevokeWhileTheServerRunsRefusesTheKeyAtOnce) {
  Created c = create(unique_id("tenant"), "read,write");
  Created other = create(unique_id("tenant"), "read");
  ASSERT_FALSE(c.id.empty());
  const std::string path = "/employees/" + unique_id("emp") + "/skill_events";
  ASSERT_EQ(get_as(c.key, path).status, 200);

  CommandResult revoked = keys({"revoke", c.id});
  ASSERT_EQ(revoked.exit_code, 0) << revoked.err;
  // The very next request, with no pause: no cache lets the key through.
  ApiResponse refused = get_as(c.key, path);
  EXPECT_EQ(refused.status, 401) << refused.body;
  EXPECT_EQ(str(obj(as_object(refused.json()), "error"), "code"), "unauthenticated");
  EXPECT_EQ(app().request("DELETE", path + "/x", "", "Bearer " + c.key).status, 401);
  EXPECT_EQ(get_as(other.key, path).status, 200) << "other keys keep working";

  std::vector<std::string> f = listed(c.id);
  ASSERT_EQ(f.size(), 6u);
  EXPECT_TRUE(is_rfc3339_second(f[5])) << "revoked at: " << f[5];
  EXPECT_EQ(listed(other.id).at(5), "-");

  CommandResult again = keys({"revoke", c.id});
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.err.find("already revoked"), std::string::npos) << again.err;
  CommandResult unknown = keys({"revoke", "key_doesnotexist"});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.err.find("no API key"), std::string::npos) << unknown.err;
  EXPECT_EQ(get_as(c.key, path).status, 401);
}

TEST_F(KeysCliTest, InvalidTenantsAndScopesAreRefusedAndCreateNothing) {
  const size_t before = lines_of(keys({"list"}).out).size();
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"", "read"},           {"has space", "read"},
      {"a/b", "read"},        {std::string(101, 'x'), "read"},
      {"ok-tenant", "admin"}, {"ok-tenant", ""},
      {"ok-tenant", "read,"}, {"ok-tenant", "read,admin"}};
  for (const auto& [tenant, scopes] : bad) {
    SCOPED_TRACE("tenant '" + tenant + "' scopes '" + scopes + "'");
    CommandResult r = keys({"create", "--tenant", tenant, "--scope", scopes});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_FALSE(r.err.empty()) << "says what is wrong";
    EXPECT_EQ(r.out.find("sk_"), std::string::npos) << r.out;
  }
  CommandResult no_tenant = keys({"create", "--scope", "read"});
  EXPECT_NE(no_tenant.exit_code, 0);
  EXPECT_EQ(lines_of(keys({"list"}).out).size(), before) << "no key was added";
  // The longest valid tenant is fine.
  EXPECT_FALSE(create(std::string(100, 'T'), "read").key.empty());
}

// Keys made before the first start: the server then bootstraps no key of
// its own, and list/revoke on a directory without a database say so.
TEST(KeysCliFreshDirTest, KeysCreatedBeforeTheFirstStartAreUsedAndNoneIsBootstrapped) {
  testsupport::TempDir parent("skillsync-it-keys-");
  const std::string dir = parent.file("data");  // does not exist yet
  CommandResult list = run_skillsync({"keys", "list", "--data-dir", dir});
  EXPECT_NE(list.exit_code, 0);
  EXPECT_NE(list.err.find("no database"), std::string::npos) << list.err;
  CommandResult revoke = run_skillsync({"keys", "revoke", "key_x", "--data-dir", dir});
  EXPECT_NE(revoke.exit_code, 0);

  CommandResult created =
      run_skillsync({"keys", "create", "--tenant", "acme", "--scope", "read", "--data-dir", dir});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const std::string key = lines_of(created.out).back();

  SkillsyncOptions options;
  options.s3_endpoint = "http://127.0.0.1:9";  // no task runs here
  options.data_dir = dir;
  auto app = SkillsyncProcess::start(options);
  ASSERT_TRUE(app.ok()) << app.error().message;
  EXPECT_FALSE(std::filesystem::exists(dir + "/initial-api-key")) << "no key was bootstrapped";
  EXPECT_EQ((*app)->request("GET", "/integrations/file-load-tasks", "", "Bearer " + key).status,
            200);
  EXPECT_EQ((*app)->request("POST", "/integrations/file-load-tasks", "{}", "Bearer " + key).status,
            403);
  EXPECT_EQ((*app)->stop(), 0) << (*app)->log_tail();
  EXPECT_EQ(sanitizer_report((*app)->log()), "");
  EXPECT_EQ(lines_of(run_skillsync({"keys", "list", "--data-dir", dir}).out).size(), 1u);
}

}  // namespace
}  // namespace skillsync::it
