// `skillsync sources ...` (the client) against the real binary, server and
// S3: create with the AWS keys of the environment (and --batch), list, show,
// run, files, pause and resume; the secret never appears in the client's output.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "integration/it_env.hpp"
#include "support/process.hpp"

namespace skillsync::it {
namespace {
namespace json = boost::json;
using testsupport::TempDir;

class CliSourcesTest : public StackTest<CliSourcesTest> {
 protected:
  CommandResult cli(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {skillsync_binary()};
    argv.insert(argv.end(), args.begin(), args.end());
    CommandResult r = run_command(argv,
                                  {{"SKILLSYNC_URL", app().base_url()},
                                   {"SKILLSYNC_API_KEY", app().api_key()},
                                   {"AWS_ACCESS_KEY_ID", stack().s3().access_key_id()},
                                   {"AWS_SECRET_ACCESS_KEY", stack().s3().secret_access_key()},
                                   {"AWS_PROFILE", ""},
                                   {"AWS_REGION", ""},
                                   {"AWS_DEFAULT_REGION", ""},
                                   {"HOME", home_.path()},
                                   {"XDG_CONFIG_HOME", home_.path() + "/config"}},
                                  std::chrono::seconds(60));
    EXPECT_EQ(r.out.find(stack().s3().secret_access_key()), std::string::npos);
    EXPECT_EQ(r.err.find(stack().s3().secret_access_key()), std::string::npos);
    return r;
  }
  TempDir home_{"skillsync-cli-src-home-"};
};

TEST_F(CliSourcesTest, CreatesListsRunsAndShowsTheLedger) {
  const std::string dir = unique_id("cli-src");
  const std::string e = unique_id("emp-cli-src");
  stack().upload(dir + "/learning_1.csv",
                 "employee_external_id,language,external_id,timestamp,course_id\n" + e +
                     ",en,one,2021-01-01,c\n");
  CommandResult created =
      cli({"sources", "create", stack().uri(dir + "/"), "--name", "cli", "--entity-type",
           "learning", "--pattern", "learning_*.csv", "--every", "1h", "--json"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const std::string id = str(as_object(json::parse(created.out)), "source_id");
  ASSERT_FALSE(id.empty());

  CommandResult list = cli({"sources", "list"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find(id), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("1h"), std::string::npos) << list.out;

  // The first check is due at once: wait for its file's task to end.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  std::string files_out;
  while (std::chrono::steady_clock::now() < deadline) {
    CommandResult files = cli({"sources", "files", id, "--json"});
    ASSERT_EQ(files.exit_code, 0) << files.err;
    files_out = files.out;
    if (files_out.find("\"completed\"") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_NE(files_out.find(dir + "/learning_1.csv"), std::string::npos) << files_out;
  EXPECT_NE(files_out.find("\"completed\""), std::string::npos) << files_out;
  CommandResult table = cli({"sources", "files", id});
  EXPECT_NE(table.out.find("learning_1.csv"), std::string::npos) << table.out;

  EXPECT_EQ(cli({"sources", "run", id}).exit_code, 0);
  CommandResult paused = cli({"sources", "pause", id, "--json"});
  ASSERT_EQ(paused.exit_code, 0) << paused.err;
  EXPECT_EQ(str(as_object(json::parse(paused.out)), "status"), "paused");
  EXPECT_NE(cli({"sources", "run", id}).exit_code, 0);  // 409: paused
  CommandResult resumed = cli({"sources", "resume", id});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.out.find("active"), std::string::npos) << resumed.out;
  CommandResult shown = cli({"sources", "show", id});
  EXPECT_EQ(shown.exit_code, 0);
  EXPECT_NE(shown.out.find("learning_*.csv"), std::string::npos) << shown.out;
  EXPECT_EQ(cli({"sources", "show", "src_missing"}).exit_code, 1);

  // --batch per_check: one task per check (and only the two batch modes).
  CommandResult batched =
      cli({"sources", "create", stack().uri(dir + "-batch/"), "--name", "b", "--entity-type",
           "learning", "--pattern", "*.csv", "--batch", "per_check", "--json"});
  ASSERT_EQ(batched.exit_code, 0) << batched.err;
  EXPECT_EQ(str(as_object(json::parse(batched.out)), "batch"), "per_check");
  EXPECT_NE(cli({"sources", "create", stack().uri(dir + "-batch/"), "--name", "b", "--entity-type",
                 "learning", "--pattern", "*.csv", "--batch", "hourly"})
                .exit_code,
            0);
}

}  // namespace
}  // namespace skillsync::it
