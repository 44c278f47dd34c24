// Promises of docs/api.md and docs/security.md that were untested until now
// (docs/testing.md lists each with its test), each against the real binary:
//  - a request target over 8 KiB gets 414 uri_too_long (one just under it
//    is served);
//  - JSON nested deeper than 32 levels is 400 malformed_json (shallower
//    JSON reaches the field validation, 422), so a missing depth limit fails;
//  - a master key file readable by group or others is refused at start,
//    naming the file, and the server never listens;
//  - every file the server creates in its data directory (the database,
//    its WAL, the master key, the initial key) is readable by its owner only.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "integration/it_env.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"

namespace skillsync::it {
namespace {
namespace json = boost::json;
namespace fs = std::filesystem;

class PromisesLimitsTest : public StackTest<PromisesLimitsTest> {};

std::string error_code_of(const std::string& body) {
  boost::system::error_code ec;
  const json::value v = json::parse(body, ec);
  if (ec || !v.is_object() || !v.as_object().contains("error")) return "";
  return std::string(str(obj(v.as_object(), "error"), "code"));
}

TEST_F(PromisesLimitsTest, RequestTargetsOver8KiBGet414) {
  const std::string base = app().base_url() + "/healthz?pad=";
  const testsupport::HttpResponse fits =
      testsupport::request("GET", base + std::string(7 * 1024, 'a'), {});
  EXPECT_EQ(fits.status, 200) << fits.error << fits.body;
  const testsupport::HttpResponse long_target = testsupport::request(
      "GET", base + std::string(9 * 1024, 'a'), {{"Authorization", "Bearer " + app().api_key()}});
  EXPECT_EQ(long_target.status, 414) << long_target.error << long_target.body;
  EXPECT_EQ(error_code_of(long_target.body), "uri_too_long") << long_target.body;
}

// A task body whose unknown member "x" holds `depth` nested arrays.
std::string nested_body(int depth) {
  return "{\"x\":" + std::string(static_cast<size_t>(depth), '[') +
         std::string(static_cast<size_t>(depth), ']') + "}";
}

TEST_F(PromisesLimitsTest, JsonNestedDeeperThan32LevelsIsMalformed) {
  const ApiResponse deep = app().post("/integrations/file-load-tasks", nested_body(40));
  EXPECT_EQ(deep.status, 400) << deep.body;
  EXPECT_EQ(error_code_of(deep.body), "malformed_json") << deep.body;
  // Twenty levels parse, and the body is judged on its fields instead.
  const ApiResponse shallow = app().post("/integrations/file-load-tasks", nested_body(20));
  EXPECT_EQ(shallow.status, 422) << shallow.body;
  EXPECT_EQ(error_code_of(shallow.body), "invalid_fields") << shallow.body;
}

TEST_F(PromisesLimitsTest, FilesTheServerCreatesAreReadableByItsOwnerOnly) {
  // A finished load: the database and its WAL have been written.
  const LearningFile file = make_learning_file(unique_id("perm"), 50);
  const TaskTrace trace = run_task(stack(), stack().upload(unique_id("perm") + ".csv", file.csv));
  EXPECT_EQ(trace.status(), "completed") << json::serialize(trace.task);
  int checked = 0;
  for (const auto& entry : fs::recursive_directory_iterator(app().data_dir())) {
    if (!entry.is_regular_file()) continue;
    struct stat st {};
    ASSERT_EQ(::stat(entry.path().c_str(), &st), 0) << entry.path();
    EXPECT_EQ(st.st_mode & 077, 0u)
        << entry.path() << " is open to group or others: mode " << std::oct << (st.st_mode & 0777);
    ++checked;
  }
  EXPECT_GE(checked, 3) << "expected at least the database, its WAL and the master key";
}

TEST(PromisesStartTest, AMasterKeyFileReadableByOthersIsRefusedAtStart) {
  testsupport::TempDir dir("skillsync-masterkey-it-");
  const std::string key_file = dir.file("master.key");
  std::ofstream(key_file) << std::string(32, 'k');
  ASSERT_EQ(::chmod(key_file.c_str(), 0644), 0);
  const CommandResult r = run_command(
      {skillsync_binary(), "serve", "--listen", "127.0.0.1:0", "--data-dir", dir.file("data"),
       "--master-key-file", key_file, "--s3-endpoint", "http://127.0.0.1:9"},
      {{"SKILLSYNC_BOOTSTRAP_API_KEY", "sk_" + random_token(40)}}, std::chrono::seconds(30));
  EXPECT_FALSE(r.timed_out) << "the server started instead of refusing the key file";
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("readable by group or others"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(key_file), std::string::npos) << "the message names the file: " << r.err;
}

}  // namespace
}  // namespace skillsync::it
