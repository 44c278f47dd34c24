// `skillsync load URI --entity-type T [--wait] [options]`: creates a File Load
// Task (and follows it with --wait). The POST always carries an
// Idempotency-Key (--idempotency-key, else a random one), reused by the
// client's own retries, so a retry never creates a second task.
#include <iostream>

#include <boost/json.hpp>

#include "client/commands_internal.hpp"
#include "client/exit_codes.hpp"
#include "client/progress.hpp"
#include "client/watch.hpp"

namespace skillsync::client {
namespace json = boost::json;
namespace {

void add_task_option_flags(CLI::App* cmd, TaskOptionFlags& o) {
  cmd->add_option("--on-error", o.on_error,
                  "continue (default): bad rows are reported, good rows load; abort: the first "
                  "bad row fails the task")
      ->check(CLI::IsMember({"continue", "abort"}));
  cmd->add_option("--max-rejected-rows", o.max_rejected_rows,
                  "More rejected rows than this fail the task (nothing is stored)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--dry-run", o.dry_run, "Validate everything, store nothing");
  cmd->add_flag("--ignore-unknown-columns", o.ignore_unknown_columns,
                "Ignore columns no field knows instead of failing the task");
  cmd->add_flag("--no-validate-access", o.no_validate_access,
                "Skip the server's check that the object is readable before accepting the task");
  cmd->add_option("--delimiter", o.delimiter, "Field delimiter: , ; | or tab")
      ->check(CLI::IsMember({",", ";", "|", "tab", "\\t"}));
  cmd->add_option("--quote", o.quote, "Quote character (default \")");
  cmd->add_option("--encoding", o.encoding, "utf-8 (default), utf-16, latin1 or windows-1252")
      ->check(CLI::IsMember({"utf-8", "utf-16", "latin1", "windows-1252"}));
}

void add_aws_flags(CLI::App* cmd, LoadArgs& a) {
  cmd->add_option("--profile", a.aws.profile,
                  "AWS profile from ~/.aws/credentials and ~/.aws/config (else AWS_PROFILE)");
  cmd->add_option("--region", a.aws.region,
                  "S3 region (else AWS_REGION, AWS_DEFAULT_REGION, the profile's region, the "
                  "server's --s3-region)");
  cmd->add_option("--aws-access-key-id", a.aws.access_key_id,
                  "Access key id; only with --aws-secret-access-key");
  cmd->add_option("--aws-secret-access-key", a.secret_flag,
                  "Secret key on the command line (lands in shell history: prefer "
                  "AWS_SECRET_ACCESS_KEY or --profile)");
  cmd->add_option("--aws-session-token", a.aws.session_token,
                  "Session token with --aws-secret-access-key");
  cmd->add_option("--presigned-url", a.request.presigned_url,
                  "Load from a presigned GET URL instead of an s3:// URI (no AWS credentials)");
}

Result<json::object> task_body(LoadArgs& a, const EnvLookup& env) {
  a.aws.secret_access_key = SecretString(std::move(a.secret_flag));
  secure_wipe(a.secret_flag);
  if (!a.request.presigned_url.empty()) return build_task_body(a.request, nullptr);
  SKILLSYNC_ASSIGN_OR_RETURN(auto creds, resolve_aws_credentials(a.aws, env));
  a.request.region = resolve_aws_region(a.aws, env);
  return build_task_body(a.request, &creds);
}

// POSTs the task; prints what a person needs. Returns the task, or the exit code.
std::variant<json::object, int> create_task(const HttpClient& http, const std::string& body,
                                            const std::string& key) {
  HttpRequest post{"POST", "/integrations/file-load-tasks", body, {{"Idempotency-Key", key}}};
  auto r = http.send(post);
  if (!r.ok() || (r->status != 201 && r->status != 200)) {
    return report_failure(r, http, "creating the task");
  }
  boost::system::error_code ec;
  json::value v = json::parse(r->body, ec);
  if (ec || !v.is_object() || !v.as_object().contains("task_id")) {
    std::cerr << "skillsync: the server's answer to the POST is not a task\n";
    return kExitRequestFailed;
  }
  return std::move(v.as_object());
}

}  // namespace

void add_load_command(CLI::App& cli, CommandsState& s) {
  LoadArgs& a = s.load;
  s.load_cmd = cli.add_subcommand(
      "load", "Create a File Load Task: load a CSV file (or every file under a prefix/) from S3");
  s.load_cmd->add_option("uri", a.request.uri, "s3://bucket/key.csv, or s3://bucket/prefix/");
  s.load_cmd->add_option("--entity-type", a.request.entity_type, "Entity type, e.g. learning")
      ->required();
  s.load_cmd->add_flag("--wait", a.wait,
                       "Follow the task until it ends, with a progress line; the exit code is "
                       "its outcome");
  s.load_cmd->add_option("--idempotency-key", a.idempotency_key,
                         "Key that makes re-running this command find its task instead of "
                         "creating another (default: a new random key per run)");
  add_task_option_flags(s.load_cmd, a.request.options);
  add_aws_flags(s.load_cmd, a);
  add_global_flags(s.load_cmd, s.global, true);
  set_example(s.load_cmd,
              "AWS_PROFILE=hr skillsync load s3://hr-exports/learning.csv "
              "--entity-type learning --wait");
}

int run_load(CommandsState& s) {
  const EnvLookup env = process_env();
  auto body = task_body(s.load, env);
  if (!body.ok()) {
    std::cerr << "skillsync: " << body.error().message << "\n";
    return kExitUsage;  // arguments, AWS credentials or profile: all the caller's to fix
  }
  auto http = connect(s.global.connection, env);
  if (!http.ok()) return connect_failed(http.error());
  std::string serialized = json::serialize(*body);
  const std::string key =
      s.load.idempotency_key.empty() ? random_idempotency_key() : s.load.idempotency_key;
  auto created = create_task(*http, serialized, key);
  secure_wipe(serialized);
  if (const int* code = std::get_if<int>(&created)) return *code;
  const json::object& task = std::get<json::object>(created);
  const std::string id(task.at("task_id").as_string());
  const WatchOutput out = watch_output_for_this_process(s.global.json, s.global.quiet);
  if (s.load.wait) {
    if (!out.json && !out.quiet) std::cerr << "task " << id << " created\n";
    return watch_task(*http, id, out);
  }
  if (out.json) {
    std::cout << json::serialize(task) << "\n";
  } else if (!out.quiet) {
    std::cout << id << "\n";
    std::cerr << "task " << id << " created; follow it with: skillsync tasks watch " << id << "\n";
  }
  return kExitOk;
}

}  // namespace skillsync::client
