// `skillsync sources list|show|create|run|pause|resume|files`: recurring S3
// sources (docs/api.md, "Sources"). `create` finds AWS credentials like
// `load` does (aws_credentials.hpp) and never prints them.
#include <functional>
#include <iostream>
#include <optional>

#include <boost/json.hpp>

#include "client/commands_internal.hpp"
#include "client/exit_codes.hpp"
#include "client/table.hpp"

namespace skillsync::client {
namespace json = boost::json;
namespace {

constexpr const char* kPath = "/integrations/sources";

std::string cell(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return "-";
  return v->is_string() ? std::string(v->as_string()) : json::serialize(*v);
}

// Prints a source (or any object) as FIELD/VALUE rows, or its JSON.
int print_object(const std::string& body, bool as_json) {
  if (as_json) {
    std::cout << body << "\n";
    return kExitOk;
  }
  std::vector<Row> rows;
  const json::value v = json::parse(body);
  for (const auto& [k, value] : v.as_object()) {
    rows.push_back({std::string(k),
                    value.is_string() ? std::string(value.as_string()) : json::serialize(value)});
  }
  std::cout << render_table({"FIELD", "VALUE"}, rows);
  return kExitOk;
}

// Every page of `path` (up to `limit` items); nullopt, with *exit_code set
// after reporting the failure, when a page cannot be read.
std::optional<json::array> all_pages(const HttpClient& http, const std::string& path, int limit,
                                     int* exit_code) {
  json::array items;
  std::string cursor;
  while (static_cast<int>(items.size()) < limit) {
    std::string p = path + "?limit=" + std::to_string(std::min(1000, limit - int(items.size())));
    if (!cursor.empty()) p += "&cursor=" + url_escape(cursor);
    auto r = http.get(p);
    if (!r.ok() || r->status != 200) {
      *exit_code = report_failure(r, http, "listing");
      return std::nullopt;
    }
    json::value page = json::parse(r->body);
    for (json::value& v : page.as_object()["items"].as_array()) items.push_back(std::move(v));
    const json::value& next = page.as_object()["next_cursor"];
    if (!next.is_string()) break;
    cursor = std::string(next.as_string());
  }
  return items;
}

// The items of `path` (up to --limit): {"items": [...]} with --json, else a
// table of `header` with one `row` per item.
int print_items(const HttpClient& http, const CommandsState& s, const std::string& path,
                const Row& header, const std::function<Row(const json::object&)>& row) {
  int code = kExitOk;
  auto items = all_pages(http, path, s.sources.limit, &code);
  if (!items) return code;
  if (s.global.json) {
    std::cout << json::serialize(json::object{{"items", std::move(*items)}}) << "\n";
    return kExitOk;
  }
  std::vector<Row> rows;
  for (const json::value& v : *items) rows.push_back(row(v.as_object()));
  std::cout << render_table(header, rows);
  return kExitOk;
}

int list_sources(const HttpClient& http, const CommandsState& s) {
  return print_items(
      http, s, kPath,
      {"SOURCE", "NAME", "STATUS", "URI", "PATTERN", "EVERY", "LAST_CHECK", "LAST_ERROR"},
      [](const json::object& o) -> Row {
        return {cell(o, "source_id"),     cell(o, "name"),
                cell(o, "status"),        cell(o, "uri"),
                cell(o, "pattern"),       std::string(o.at("schedule").at("every").as_string()),
                cell(o, "last_check_at"), cell(o, "last_error")};
      });
}

int list_files(const HttpClient& http, const CommandsState& s) {
  return print_items(
      http, s, std::string(kPath) + "/" + url_escape(s.sources.id) + "/files",
      {"KEY", "SIZE", "FIRST_SEEN", "SKIPPED", "TASK", "STATUS", "ROWS"},
      [](const json::object& o) -> Row {
        const json::value& task = o.at("task");
        return {cell(o, "key"),
                cell(o, "size"),
                cell(o, "first_seen"),
                cell(o, "skip_reason"),
                cell(o, "task_id"),
                task.is_object() ? cell(task.as_object(), "status") : std::string("-"),
                task.is_object() ? cell(task.as_object(), "rows_loaded") : std::string("-")};
      });
}

int create_source(const HttpClient& http, CommandsState& s) {
  SourcesArgs& a = s.sources;
  auto creds = resolve_aws_credentials(a.aws, process_env());
  if (!creds.ok()) {
    std::cerr << "skillsync: " << creds.error().message << "\n";
    return kExitUsage;
  }
  json::object c{{"aws_access_key_id", creds->access_key_id},
                 {"aws_secret_access_key", creds->secret_access_key.reveal()}};
  if (!creds->session_token.empty()) c["aws_session_token"] = creds->session_token.reveal();
  json::object body{
      {"name", a.name},       {"entity_type", a.entity_type},     {"uri", a.uri},
      {"pattern", a.pattern}, {"schedule", {{"every", a.every}}}, {"credentials", std::move(c)}};
  if (auto region = resolve_aws_region(a.aws, process_env())) body["region"] = *region;
  if (!a.start_after.empty()) body["start_after"] = a.start_after;
  if (!a.batch.empty()) body["batch"] = a.batch;
  std::string text = json::serialize(body);
  auto r = http.send({"POST", kPath, text});
  std::fill(text.begin(), text.end(), '\0');
  if (!r.ok() || r->status != 201) return report_failure(r, http, "creating the source");
  return print_object(r->body, s.global.json);
}

int act(const HttpClient& http, const CommandsState& s, const std::string& verb, long ok) {
  auto r = http.send({"POST", std::string(kPath) + "/" + url_escape(s.sources.id) + "/" + verb});
  if (!r.ok() || r->status != ok) return report_failure(r, http, verb + " the source");
  return print_object(r->body, s.global.json);
}

CLI::App* with_id(CLI::App* sources, CommandsState& s, const char* name, const char* what) {
  CLI::App* c = sources->add_subcommand(name, what);
  c->add_option("id", s.sources.id, "The source_id")->required();
  add_global_flags(c, s.global, false);
  set_example(c, std::string("skillsync sources ") + name + " src_4f1c...");
  return c;
}

}  // namespace

void add_sources_commands(CLI::App& cli, CommandsState& s) {
  SourcesArgs& a = s.sources;
  CLI::App* sources = cli.add_subcommand("sources", "Recurring S3 sources: new exports load once");
  sources->require_subcommand(1);
  s.sources_cmd = sources;
  CLI::App* list = sources->add_subcommand("list", "The sources, newest first");
  list->add_option("--limit", a.limit, "At most this many")->capture_default_str();
  add_global_flags(list, s.global, false);
  set_example(list, "skillsync sources list");
  CLI::App* create = sources->add_subcommand("create", "Create a source (AWS keys as for load)");
  create->add_option("uri", a.uri, "s3://bucket/prefix/")->required();
  create->add_option("--name", a.name, "A name")->required();
  create->add_option("--entity-type", a.entity_type, "e.g. learning")->required();
  create->add_option("--pattern", a.pattern, "Glob below the prefix")->required();
  create->add_option("--every", a.every, "30s, 15m, 6h, 1d")->capture_default_str();
  create->add_option("--start-after", a.start_after, "Skip keys up to this one");
  create
      ->add_option("--batch", a.batch,
                   "per_file (default): one task per new object; per_check: one per check")
      ->check(CLI::IsMember({"per_file", "per_check"}));
  create->add_option("--profile", a.aws.profile, "AWS profile (else AWS_PROFILE)");
  create->add_option("--region", a.aws.region, "AWS region");
  add_global_flags(create, s.global, false);
  set_example(create,
              "skillsync sources create s3://hr/exports/ --name nightly --entity-type learning "
              "--pattern 'learning_*.csv' --every 1h");
  with_id(sources, s, "show", "One source: status, checks, last error");
  with_id(sources, s, "run", "Check the source now");
  with_id(sources, s, "pause", "Stop checking the source");
  with_id(sources, s, "resume", "Check the source again (clears an error)");
  with_id(sources, s, "files", "The ledger: every object seen, and its task")
      ->add_option("--limit", a.limit, "At most this many")
      ->capture_default_str();
}

// `sources` requires one subcommand: it parsed when one of them did.
bool sources_parsed(const CommandsState& s) {
  return s.sources_cmd != nullptr && s.sources_cmd->parsed();
}

int run_sources(CommandsState& s) {
  auto http = connect(s.global.connection, process_env());
  if (!http.ok()) return connect_failed(http.error());
  auto ran = [&s](const char* name) { return s.sources_cmd->got_subcommand(name); };
  if (ran("list")) return list_sources(*http, s);
  if (ran("files")) return list_files(*http, s);
  if (ran("create")) return create_source(*http, s);
  if (ran("run")) return act(*http, s, "run", 202);
  if (ran("pause")) return act(*http, s, "pause", 200);
  if (ran("resume")) return act(*http, s, "resume", 200);
  auto r = http->get(std::string(kPath) + "/" + url_escape(s.sources.id));
  if (!r.ok() || r->status != 200) return report_failure(r, *http, "reading the source");
  return print_object(r->body, s.global.json);
}

}  // namespace skillsync::client
