// The config file through the real binary: a setting from the file
// (SKILLSYNC_CONFIG) takes effect in the API, flags still win over it,
// --print-config shows the effective settings without secrets, a bad key
// stops the server naming its line, and skillsync.example.toml covers every
// option of serve and worker.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>

#include "integration/it_env.hpp"

namespace skillsync::it {
namespace {

const std::string kRoot = std::string(SKILLSYNC_CORPUS_DIR) + "/../../..";

std::string write_file(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  return path;
}

class ConfigFileTest : public StackTest<ConfigFileTest> {
 public:
  // The Stack starts skillsync with --listen and --workers flags: the file's
  // listen (a port nothing could bind) must lose to them.
  static StackOptions stack_options() {
    static testsupport::TempDir dir("skillsync-config-it-");
    StackOptions o;
    o.env["SKILLSYNC_CONFIG"] =
        write_file(dir.file("skillsync.toml"),
                   "# one request per 1000 s, bursts of 2\nrate-limit = 0.001\nrate-burst = 2\n"
                   "listen = \"127.0.0.1:1\"\n");
    return o;
  }
};

TEST_F(ConfigFileTest, ARateLimitFromTheFileTakesEffect) {
  EXPECT_EQ(app().get("/integrations/file-load-tasks").status, 200);
  EXPECT_EQ(app().get("/integrations/file-load-tasks").status, 200);
  const ApiResponse limited = app().get("/integrations/file-load-tasks");
  EXPECT_EQ(limited.status, 429) << limited.body;
  EXPECT_FALSE(limited.header("retry-after").empty());
}

TEST(ConfigFile, PrintConfigShowsEffectiveSettingsWithoutSecrets) {
  testsupport::TempDir dir("skillsync-config-it-");
  const std::string file =
      write_file(dir.file("c.toml"),
                 "store = \"postgres://app:pg-secret-1@127.0.0.1:1/skills\"\nworkers = 7\n"
                 "rate-limit = 3\nhttp-threads = 5\n");
  const CommandResult r = run_skillsync(
      {"serve", "--config", file, "--http-threads", "6", "--print-config"},
      {{"SKILLSYNC_RATE_LIMIT", "4"}, {"SKILLSYNC_BOOTSTRAP_API_KEY", "sk_bootstrap-secret-2"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\nworkers = 7\n"), std::string::npos) << "from the file:\n" << r.out;
  EXPECT_NE(r.out.find("\nrate-limit = 4\n"), std::string::npos) << "env over file:\n" << r.out;
  EXPECT_NE(r.out.find("\nhttp-threads = 6\n"), std::string::npos) << "flag over file";
  EXPECT_NE(r.out.find("\nstore = \"postgres://app:***@127.0.0.1:1/skills\"\n"), std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("pg-secret-1"), std::string::npos);
  EXPECT_EQ(r.out.find("bootstrap-secret-2"), std::string::npos);
  EXPECT_EQ(r.err.find("secret"), std::string::npos) << r.err;
}

TEST(ConfigFile, AnUnknownKeyStopsTheServerNamingItsLine) {
  testsupport::TempDir dir("skillsync-config-it-");
  const std::string file =
      write_file(dir.file("c.toml"), "workers = 2\n\nrate_limit = 3\n");  // _ instead of -
  const CommandResult r = run_skillsync({"serve", "--config", file, "--data-dir", dir.path()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("line 3"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("unknown key 'rate_limit'"), std::string::npos) << r.err;
  const CommandResult w =
      run_skillsync({"worker", "--config", write_file(dir.file("w.toml"), "listen = \"x\"\n")});
  EXPECT_NE(w.exit_code, 0) << "listen is no option of worker";
  EXPECT_NE(w.err.find("line 1"), std::string::npos) << w.err;
}

// Every `name = ` the command prints, commented or not.
std::set<std::string> keys_of(const std::string& config) {
  static const std::regex kKey(R"(^(?:# )?([a-z0-9-]+) = )", std::regex::multiline);
  std::set<std::string> keys;
  for (auto it = std::sregex_iterator(config.begin(), config.end(), kKey);
       it != std::sregex_iterator(); ++it) {
    keys.insert((*it)[1]);
  }
  return keys;
}

TEST(ConfigFile, TheExampleFileCoversEveryOptionAndReadsAsDefaults) {
  const std::string example = kRoot + "/skillsync.example.toml";
  std::ifstream in(example);
  ASSERT_TRUE(in.good()) << example;
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::set<std::string> documented = keys_of(text);
  for (const char* command : {"serve", "worker"}) {
    const CommandResult r = run_skillsync({command, "--print-config"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (const std::string& key : keys_of(r.out)) {
      EXPECT_TRUE(documented.count(key)) << key << " (" << command << ") is not in " << example;
    }
  }
  const CommandResult with = run_skillsync({"serve", "--config", example, "--print-config"});
  ASSERT_EQ(with.exit_code, 0) << with.err;
  EXPECT_EQ(with.out, run_skillsync({"serve", "--print-config"}).out)
      << "the example holds the defaults";
}

}  // namespace
}  // namespace skillsync::it
