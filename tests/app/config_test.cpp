// --config FILE and --print-config: precedence flag > environment > file >
// default, unknown keys and bad values named with their line, the printed
// settings (a config file that reads back the same, secrets redacted).
#include "app/config.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "app/options.hpp"

namespace skillsync::app {
namespace {

constexpr const char* kWorkersEnv = "SKILLSYNC_CONFIG_TEST_WORKERS";

// A command like `serve`: the shared store options, an option with an
// environment variable and a range, a flag; then --config / --print-config.
class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    unsetenv(kWorkersEnv);
    unsetenv("SKILLSYNC_LOG_LEVEL");
    unsetenv("SKILLSYNC_CONFIG");
    dir_ = std::filesystem::temp_directory_path() /
           ("skillsync-config-test-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    unsetenv(kWorkersEnv);
    std::filesystem::remove_all(dir_);
  }

  std::string write(const std::string& text) {
    const std::string path = (dir_ / ("c" + std::to_string(++files_) + ".toml")).string();
    std::ofstream(path) << text;
    return path;
  }

  // Parses `args` into a fresh command; returns the error message or "".
  std::string parse(std::vector<std::string> args) {
    config_ = ServeConfig{};
    no_workers_ = false;
    cli_ = std::make_unique<CLI::App>("test");
    cmd_ = cli_->add_subcommand("serve");
    add_store_options(cmd_, config_);
    cmd_->add_option("--workers", config_.workers)
        ->envname(kWorkersEnv)
        ->check(CLI::Range(1, 256))
        ->capture_default_str();
    cmd_->add_flag("--no-workers", no_workers_, "API only");
    add_config_options(cmd_);
    args.insert(args.begin(), "serve");
    std::reverse(args.begin(), args.end());  // CLI11 takes them last first
    try {
      cli_->parse(args);
    } catch (const CLI::ParseError& e) {
      return e.what();
    }
    return "";
  }

  std::filesystem::path dir_;
  int files_ = 0;
  ServeConfig config_;
  bool no_workers_ = false;
  std::unique_ptr<CLI::App> cli_;
  CLI::App* cmd_ = nullptr;
};

TEST_F(ConfigTest, TheFileSetsOptionsAndFlags) {
  const std::string file =
      write("# comment\ndata-dir = \"/srv/skillsync\"\nworkers = 7\n\nno-workers = true\n");
  ASSERT_EQ(parse({"--config", file}), "");
  EXPECT_EQ(config_.data_dir, "/srv/skillsync");
  EXPECT_EQ(config_.workers, 7);
  EXPECT_TRUE(no_workers_);
  EXPECT_EQ(config_.log_level, "info") << "untouched options keep their default";
}

TEST_F(ConfigTest, PrecedenceIsFlagThenEnvironmentThenFileThenDefault) {
  ASSERT_EQ(parse({}), "");
  EXPECT_EQ(config_.workers, ServeConfig{}.workers) << "default";
  const std::string file = write("workers = 7\nlog-level = \"warn\"\n");
  ASSERT_EQ(parse({"--config", file}), "");
  EXPECT_EQ(config_.workers, 7) << "file over default";
  setenv(kWorkersEnv, "5", 1);
  ASSERT_EQ(parse({"--config", file}), "");
  EXPECT_EQ(config_.workers, 5) << "environment over file";
  EXPECT_EQ(config_.log_level, "warn") << "the file still sets what the environment does not";
  ASSERT_EQ(parse({"--config", file, "--workers", "9"}), "");
  EXPECT_EQ(config_.workers, 9) << "flag over environment and file";
  ASSERT_EQ(parse({"--workers", "9", "--config", file}), "") << "wherever --config stands";
  EXPECT_EQ(config_.workers, 9);
}

TEST_F(ConfigTest, TheConfigFileCanComeFromTheEnvironment) {
  setenv("SKILLSYNC_CONFIG", write("workers = 11\n").c_str(), 1);
  const std::string error = parse({});
  unsetenv("SKILLSYNC_CONFIG");
  ASSERT_EQ(error, "");
  EXPECT_EQ(config_.workers, 11);
}

TEST_F(ConfigTest, AnUnknownKeyIsAnErrorNamingItAndItsLine) {
  const std::string file = write("workers = 2\n# a comment\n\nlisten-adress = \"x\"\n");
  const std::string error = parse({"--config", file});
  EXPECT_NE(error.find("line 4"), std::string::npos) << error;
  EXPECT_NE(error.find("unknown key 'listen-adress'"), std::string::npos) << error;
  EXPECT_NE(error.find(file), std::string::npos) << error;
  EXPECT_NE(parse({"--config", write("config = \"other.toml\"\n")}), "")
      << "--config is no key of the file";
  EXPECT_NE(parse({"--config", write("[serve]\nworkers = 2\n")}), "") << "no sections";
}

TEST_F(ConfigTest, ABadValueIsAnErrorNamingItsLine) {
  const std::string error = parse({"--config", write("data-dir = \"d\"\nworkers = 0\n")});
  EXPECT_NE(error.find("line 2"), std::string::npos) << error;
  EXPECT_NE(error.find("--workers"), std::string::npos) << error;
  EXPECT_NE(parse({"--config", write("log-level = \"loud\"\n")}), "");
  EXPECT_NE(parse({"--config", (dir_ / "missing.toml").string()}), "");
}

TEST_F(ConfigTest, PrintConfigShowsEffectiveSettingsThatReadBackTheSame) {
  setenv(kWorkersEnv, "5", 1);
  const std::string file = write("data-dir = \"/srv/a b\"\nlog-level = \"warn\"\n");
  ASSERT_EQ(parse({"--config", file, "--no-workers", "--print-config"}), "");
  std::ostringstream out;
  ASSERT_TRUE(print_config_if_asked(cmd_, out));
  const std::string printed = out.str();
  EXPECT_NE(printed.find("data-dir = \"/srv/a b\"\n"), std::string::npos) << printed;
  EXPECT_NE(printed.find("workers = 5\n"), std::string::npos) << printed;
  EXPECT_NE(printed.find("log-level = \"warn\"\n"), std::string::npos) << printed;
  EXPECT_NE(printed.find("no-workers = true\n"), std::string::npos) << printed;
  EXPECT_NE(printed.find("# store = \"\"\n"), std::string::npos) << "unset: commented";
  EXPECT_EQ(printed.find("print-config ="), std::string::npos);
  EXPECT_EQ(printed.find("config ="), std::string::npos);
  unsetenv(kWorkersEnv);
  // Read back as a file, it gives the same settings.
  ASSERT_EQ(parse({"--config", write(printed)}), "");
  EXPECT_EQ(effective_config(cmd_), printed);
  EXPECT_FALSE(print_config_if_asked(cmd_, out)) << "only when asked";
}

TEST_F(ConfigTest, PrintConfigRedactsTheStorePassword) {
  ASSERT_EQ(parse({"--store", "postgres://app:s3cr3t@db.internal:5432/skills", "--print-config"}),
            "");
  const std::string printed = effective_config(cmd_);
  EXPECT_EQ(printed.find("s3cr3t"), std::string::npos) << printed;
  EXPECT_NE(printed.find("store = \"postgres://app:***@db.internal:5432/skills\""),
            std::string::npos)
      << printed;
}

TEST(RedactStore, HidesPasswordsOnly) {
  EXPECT_EQ(redact_store("postgres://u:pw@h:5/db"), "postgres://u:***@h:5/db");
  EXPECT_EQ(redact_store("postgresql://u:p%40ss@h/db?sslmode=require"),
            "postgresql://u:***@h/db?sslmode=require");
  EXPECT_EQ(redact_store("postgres://h/db?user=u&password=pw&x=1"),
            "postgres://h/db?user=u&password=***&x=1");
  EXPECT_EQ(redact_store("postgres://u@h/db"), "postgres://u@h/db");
  EXPECT_EQ(redact_store("sqlite:/var/lib/skillsync.db"), "sqlite:/var/lib/skillsync.db");
  EXPECT_EQ(redact_store("sqlite"), "sqlite");
}

}  // namespace
}  // namespace skillsync::app
