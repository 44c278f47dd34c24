// The client commands (`skillsync load|tasks|events`) as a script uses them:
// the real binary against a real server and S3, its stdout, stderr and exit
// code. S3 is reached through the fault proxy so that a test can keep a load
// running (a throttled download) for as long as it needs to act on it.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <sys/stat.h>
#include <csignal>

#include <filesystem>
#include <fstream>
#include <regex>

#include "common/time.hpp"
#include "integration/it_env.hpp"
#include "source/s3/s3.hpp"
#include "support/fault_proxy.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"

namespace skillsync::it {
namespace {

namespace json = boost::json;
using testsupport::ChildProcess;
using testsupport::Fault;
using testsupport::TempDir;

json::value parse_or_null(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  return ec ? json::value() : v;
}

// A learning file with two good rows and one row whose timestamp is invalid.
std::string file_with_one_bad_row(const std::string& employee) {
  return "employee_external_id,language,external_id,timestamp,course_id\n" + employee +
         ",en,a,2021-01-01,c1\n" + employee + ",en,b,yesterday,c2\n" + employee +
         ",en,c,2021-01-02,c3\n";
}

class CliTest : public StackTest<CliTest> {
 public:
  static StackOptions stack_options() {
    StackOptions o;
    o.fault_proxy = true;
    return o;
  }

 protected:
  void TearDown() override {
    if (HasFailure()) std::cerr << "--- last client stderr ---\n" << last_err_ << "\n";
    stack().proxy().set_default(Fault::pass());
    StackTest::TearDown();
  }

  // The client's environment: this server and key, the S3 server's keys,
  // and a HOME of its own (no ~/.aws, no login file of the machine).
  std::map<std::string, std::string> env() {
    return {{"SKILLSYNC_URL", app().base_url()},
            {"SKILLSYNC_API_KEY", app().api_key()},
            {"AWS_ACCESS_KEY_ID", stack().s3().access_key_id()},
            {"AWS_SECRET_ACCESS_KEY", stack().s3().secret_access_key()},
            {"AWS_PROFILE", ""},
            {"AWS_REGION", ""},
            {"AWS_DEFAULT_REGION", ""},
            {"HOME", home_.path()},
            {"XDG_CONFIG_HOME", home_.path() + "/config"}};
  }

  CommandResult cli(const std::vector<std::string>& args,
                    const std::map<std::string, std::string>& extra = {}) {
    auto e = env();
    for (const auto& [k, v] : extra) e[k] = v;
    std::vector<std::string> argv = {skillsync_binary()};
    argv.insert(argv.end(), args.begin(), args.end());
    CommandResult r = run_command(argv, e, std::chrono::seconds(120));
    EXPECT_FALSE(r.timed_out) << "skillsync " << args.front() << " did not end";
    last_err_ = r.err;
    return r;
  }

  // `skillsync <args>` started in the background (stdout, stderr in logs_).
  std::unique_ptr<ChildProcess> start_cli(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {skillsync_binary()};
    argv.insert(argv.end(), args.begin(), args.end());
    return std::make_unique<ChildProcess>(argv, env(), logs_.path(), "cli");
  }

  // Every task of this tenant whose uri is `uri`, newest first.
  std::vector<json::object> tasks_for(const std::string& uri) {
    std::vector<json::object> out;
    const json::value page = app().get("/integrations/file-load-tasks?limit=1000").json();
    for (const json::value& t : as_array(as_object(page).at("items"))) {
      if (str(as_object(t), "uri") == uri) out.push_back(as_object(t));
    }
    return out;
  }

  // Uploads a file that a throttled S3 serves for far longer than any test.
  std::string upload_slow_file() {
    const LearningFile f = make_learning_file(unique_id("slow"), 3000);
    const std::string uri = stack().upload(unique_id("slow") + ".csv", f.csv);
    stack().proxy().set_default(Fault::throttle(20000, 1024));
    return uri;
  }

  TempDir home_{"skillsync-cli-home-"};
  TempDir logs_{"skillsync-cli-logs-"};
  std::string last_err_;
};

TEST_F(CliTest, LoadWaitJsonPrintsOnlyTheFinalTask) {
  const LearningFile f = make_learning_file(unique_id("emp"), 50);
  const std::string uri = stack().upload(unique_id("k") + ".csv", f.csv);
  CommandResult r = cli({"load", uri, "--entity-type", "learning", "--wait", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  const json::object task = as_object(parse_or_null(r.out));
  EXPECT_EQ(str(task, "status"), "completed");
  EXPECT_EQ(num(obj(task, "progress"), "rows_loaded"), 50);
  const std::string id = str(task, "task_id");
  EXPECT_EQ(json::value(task), app().get("/integrations/file-load-tasks/" + id).json());
  EXPECT_EQ(events_checksum(list_all_events(app(), f.employee)), f.checksum);

  // The other read commands give the API's own documents.
  r = cli({"tasks", "show", id, "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(parse_or_null(r.out), json::value(task));
  r = cli({"tasks", "list", "--json", "--limit", "5"});
  EXPECT_NE(r.out.find(id), std::string::npos) << r.out;
  r = cli({"events", "list", f.employee, "--json", "--limit", "1000"});
  EXPECT_EQ(as_array(as_object(parse_or_null(r.out)).at("items")).size(), 50u);
  r = cli({"events", "get", f.employee, "ev-7", "--json"});
  EXPECT_EQ(str(as_object(parse_or_null(r.out)), "external_id"), "ev-7") << r.err;
  r = cli({"tasks", "show", id});  // a table for people
  EXPECT_NE(r.out.find("completed"), std::string::npos) << r.out;
}

TEST_F(CliTest, ExitCodeTellsTheFinalStatus) {
  const std::string uri =
      stack().upload(unique_id("bad") + ".csv", file_with_one_bad_row(unique_id("emp")));
  CommandResult r = cli({"load", uri, "--entity-type", "learning", "--wait", "--json"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(str(as_object(parse_or_null(r.out)), "status"), "completed_with_errors");

  r = cli({"load", uri, "--entity-type", "learning", "--wait", "--on-error", "abort", "--json"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  const json::object failed = as_object(parse_or_null(r.out));
  EXPECT_EQ(str(failed, "status"), "failed");
  EXPECT_EQ(str(obj(failed, "options"), "on_error"), "abort");

  // Cancelled: a load kept running by a throttled S3, cancelled by the CLI.
  const std::string slow = upload_slow_file();
  auto waiting = start_cli({"load", slow, "--entity-type", "learning", "--wait", "--json"});
  std::string id;
  ASSERT_TRUE(testsupport::wait_until(
      [&] {
        auto tasks = tasks_for(slow);
        if (tasks.empty() || str(tasks[0], "status") != "running") return false;
        id = str(tasks[0], "task_id");
        return true;
      },
      std::chrono::seconds(30)));
  r = cli({"tasks", "cancel", id});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const int status = waiting->wait();
  EXPECT_EQ(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 4);
  const std::string out = testsupport::read_file(waiting->stdout_path());
  EXPECT_EQ(str(as_object(parse_or_null(out)), "status"), "cancelled") << out;

  // A plain `load --wait` says what to do about rejected rows.
  r = cli({"load", uri, "--entity-type", "learning", "--wait"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("completed_with_errors"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("skillsync tasks errors"), std::string::npos) << r.out;
}

TEST_F(CliTest, ErrorsCsvIsTheApisReport) {
  const std::string uri =
      stack().upload(unique_id("bad") + ".csv", file_with_one_bad_row(unique_id("emp")));
  CommandResult r = cli({"load", uri, "--entity-type", "learning", "--wait", "--json"});
  ASSERT_EQ(r.exit_code, 2) << r.err;
  const std::string id = str(as_object(parse_or_null(r.out)), "task_id");
  const std::string file = home_.file("errors.csv");
  r = cli({"tasks", "errors", id, "--csv", file});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto api = testsupport::request(
      "GET", app().base_url() + "/integrations/file-load-tasks/" + id + "/errors",
      {{"Authorization", "Bearer " + app().api_key()}, {"Accept", "text/csv"}});
  ASSERT_EQ(api.status, 200);
  EXPECT_EQ(testsupport::read_file(file), api.body);
  EXPECT_NE(api.body.find("invalid_timestamp"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(file + ".part"));

  r = cli({"tasks", "watch", id});  // an ended task: its summary and outcome at once
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.out.find("task " + id + " completed_with_errors"), std::string::npos) << r.out;
  r = cli({"tasks", "errors", id});  // a table, with the way to the CSV
  EXPECT_NE(r.out.find("invalid_timestamp"), std::string::npos) << r.out;
  r = cli({"tasks", "errors", "flt_no_such_task", "--csv", file});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("404"), std::string::npos) << r.err;
}

TEST_F(CliTest, SameIdempotencyKeyAfterAKillCreatesNoSecondTask) {
  const std::string uri = upload_slow_file();
  const std::string key = unique_id("idem");
  const std::vector<std::string> load = {"load", uri, "--entity-type", "learning"};
  auto first =
      start_cli({"load", uri, "--entity-type", "learning", "--wait", "--idempotency-key", key});
  ASSERT_TRUE(testsupport::wait_until(
      [&] {
        return testsupport::read_file(first->stderr_path()).find("created") != std::string::npos;
      },
      std::chrono::seconds(30)));
  first->kill(SIGKILL);
  first->wait();
  ASSERT_EQ(tasks_for(uri).size(), 1u);
  const std::string id = str(tasks_for(uri)[0], "task_id");

  std::vector<std::string> again = load;
  again.insert(again.end(), {"--idempotency-key", key, "--json"});
  CommandResult r = cli(again);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(str(as_object(parse_or_null(r.out)), "task_id"), id);
  EXPECT_EQ(tasks_for(uri).size(), 1u);

  // Without the flag each run is a new load.
  r = cli(load);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = cli(load);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto tasks = tasks_for(uri);
  EXPECT_EQ(tasks.size(), 3u);
  for (const auto& t : tasks) cli({"tasks", "cancel", str(t, "task_id")});
}

// The answer to the POST is lost (the connection is reset once the server
// has created the task): the client's retry carries the same Idempotency-Key
// and gets that task back instead of creating a second one.
TEST_F(CliTest, RetryAfterALostAnswerReusesTheIdempotencyKey) {
  const std::string uri =
      stack().upload(unique_id("retry") + ".csv", make_learning_file(unique_id("emp"), 5).csv);
  const std::string& base = app().base_url();
  testsupport::FaultProxy api(std::stoi(base.substr(base.rfind(':') + 1)));
  api.script({Fault::cut(0)});
  CommandResult r =
      cli({"load", uri, "--entity-type", "learning", "--json", "--server", api.endpoint()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(tasks_for(uri).size(), 1u);
  EXPECT_EQ(str(as_object(parse_or_null(r.out)), "task_id"), str(tasks_for(uri)[0], "task_id"));
  const std::vector<std::string> heads = api.request_heads();
  ASSERT_GE(heads.size(), 2u);
  const auto key_of = [](const std::string& head) {
    std::smatch m;
    return std::regex_search(head, m, std::regex("Idempotency-Key: (cli-[0-9a-f]{32})"))
               ? m[1].str()
               : std::string("none");
  };
  EXPECT_NE(key_of(heads[0]), "none") << heads[0];
  EXPECT_EQ(key_of(heads[0]), key_of(heads[1]));
}

TEST_F(CliTest, CtrlCWithoutATerminalStopsWatchingAndSaysHowToResume) {
  const std::string uri = upload_slow_file();
  auto waiting = start_cli({"load", uri, "--entity-type", "learning", "--wait"});
  // The first progress line shows that it watches (and handles Ctrl-C).
  ASSERT_TRUE(testsupport::wait_until(
      [&] { return !testsupport::read_file(waiting->stdout_path()).empty(); },
      std::chrono::seconds(30)));
  waiting->kill(SIGINT);
  const int status = waiting->wait();
  EXPECT_EQ(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 130);
  const auto tasks = tasks_for(uri);
  ASSERT_EQ(tasks.size(), 1u);
  const std::string id = str(tasks[0], "task_id");
  EXPECT_NE(testsupport::read_file(waiting->stderr_path()).find("skillsync tasks watch " + id),
            std::string::npos);
  EXPECT_FALSE(is_terminal_status(str(tasks[0], "status")));  // the task goes on
  // Without a terminal, progress is plain lines (no carriage returns).
  const std::string out = testsupport::read_file(waiting->stdout_path());
  EXPECT_TRUE(out.rfind("pending", 0) == 0 || out.rfind("running", 0) == 0) << out;
  EXPECT_EQ(out.find('\r'), std::string::npos);
  cli({"tasks", "cancel", id});
}

TEST_F(CliTest, RefusedKeyUnreachableServerAndUsageErrorsHaveTheirExitCodes) {
  CommandResult r = cli({"tasks", "list"}, {{"SKILLSYNC_API_KEY", "not-a-key"}});
  EXPECT_EQ(r.exit_code, 77);
  EXPECT_NE(r.err.find("refused the API key (401)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("SKILLSYNC_API_KEY"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("not-a-key"), std::string::npos) << "the key was printed";
  r = cli({"load", stack().uri("x.csv"), "--entity-type", "learning"},
          {{"SKILLSYNC_API_KEY", "not-a-key"}});
  EXPECT_EQ(r.exit_code, 77) << r.err;

  const std::string nowhere = "http://127.0.0.1:" + std::to_string(testsupport::free_port());
  r = cli({"tasks", "list", "--server", nowhere});
  EXPECT_EQ(r.exit_code, 69);
  EXPECT_NE(r.err.find("cannot reach"), std::string::npos) << r.err;

  r = cli({"load", stack().uri("x.csv")});  // no --entity-type
  EXPECT_EQ(r.exit_code, 64);
  r = cli({"tasks", "show"});
  EXPECT_EQ(r.exit_code, 64);
  r = cli({"load", stack().uri("x.csv"), "--entity-type", "learning"},
          {{"AWS_ACCESS_KEY_ID", ""}, {"AWS_SECRET_ACCESS_KEY", ""}});
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_NE(r.err.find("AWS_ACCESS_KEY_ID"), std::string::npos) << r.err;

  // A refused request names the server's reason and what to do.
  r = cli({"load", stack().uri("no-such-object.csv"), "--entity-type", "learning"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("NoSuchKey"), std::string::npos) << r.err;
}

TEST_F(CliTest, PresignedUrlAndOptionFlagsReachTheTask) {
  const std::string employee = unique_id("emp");
  const std::string key = unique_id("semicolon") + ".csv";
  stack().upload(key, "employee_external_id;language;external_id;timestamp;course_id\n" + employee +
                          ";en;a;2021-01-01;c1\n");
  source::s3::ClientConfig config;
  config.endpoint = stack().proxy().endpoint();  // the server's --s3-endpoint
  source::s3::Credentials creds{
      stack().s3().access_key_id(), SecretString(stack().s3().secret_access_key()), {}};
  auto url = source::s3::presign_get(config, {stack().bucket(), key}, creds, std::chrono::hours(1),
                                     SystemClock::instance().now());
  ASSERT_TRUE(url.ok()) << url.error().message;
  CommandResult r =
      cli({"load", "--presigned-url", *url, "--entity-type", "learning", "--delimiter", ";",
           "--dry-run", "--max-rejected-rows", "5", "--wait", "--json"},
          {{"AWS_ACCESS_KEY_ID", ""}, {"AWS_SECRET_ACCESS_KEY", ""}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json::object task = as_object(parse_or_null(r.out));
  EXPECT_EQ(str(task, "method"), "s3_presigned_url");
  EXPECT_EQ(num(obj(task, "progress"), "rows_loaded"), 1);
  EXPECT_EQ(str(obj(task, "options"), "delimiter"), ";");
  EXPECT_EQ(num(obj(task, "options"), "max_rejected_rows"), 5);
  EXPECT_EQ(obj(task, "options").at("dry_run"), true);
  EXPECT_TRUE(list_all_events(app(), employee).empty()) << "a dry run stored events";
}

TEST_F(CliTest, EveryCommandsHelpShowsAnExample) {
  const std::vector<std::vector<std::string>> commands = {
      {"load"},          {"login"},          {"tasks"},           {"tasks", "list"},
      {"tasks", "show"}, {"tasks", "watch"}, {"tasks", "cancel"}, {"tasks", "errors"},
      {"events"},        {"events", "list"}, {"events", "get"}};
  for (std::vector<std::string> args : commands) {
    args.push_back("--help");
    CommandResult r = cli(args);
    EXPECT_EQ(r.exit_code, 0) << args[0];
    const size_t example = r.out.find("Example:\n  ");
    ASSERT_NE(example, std::string::npos) << r.out;
    EXPECT_NE(r.out.find("skillsync " + args[0], example), std::string::npos) << r.out;
  }
}

TEST_F(CliTest, LoginSavesServerAndKeyInAPrivateFile) {
  const std::string key_file = home_.file("key");
  std::ofstream(key_file) << app().api_key() << "\n";
  CommandResult r = cli({"login", "--api-key-file", key_file}, {{"SKILLSYNC_API_KEY", ""}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find(app().api_key()), std::string::npos) << "the key was printed";
  const std::string saved = home_.path() + "/config/skillsync/config";
  struct stat st {};
  ASSERT_EQ(::stat(saved.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // Later commands need neither SKILLSYNC_URL nor SKILLSYNC_API_KEY.
  r = cli({"tasks", "list", "--json"}, {{"SKILLSYNC_API_KEY", ""}, {"SKILLSYNC_URL", ""}});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::ofstream(key_file) << "wrong-key\n";
  r = cli({"login", "--api-key-file", key_file});
  EXPECT_EQ(r.exit_code, 77) << r.err;
}

}  // namespace
}  // namespace skillsync::it
