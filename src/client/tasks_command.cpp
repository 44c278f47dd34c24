// `skillsync tasks list|show|watch|cancel|errors`: File Load Tasks of the
// key's tenant, as tables for people and --json for scripts.
#include <cstdio>
#include <iostream>

#include <boost/json.hpp>

#include "client/commands_internal.hpp"
#include "client/exit_codes.hpp"
#include "client/progress.hpp"
#include "client/table.hpp"
#include "client/watch.hpp"

namespace skillsync::client {
namespace json = boost::json;
namespace {

const std::string kTasks = "/integrations/file-load-tasks";

std::string text(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return "-";
  return v->is_string() ? std::string(v->as_string()) : json::serialize(*v);
}

std::string progress_count(const json::object& task, const char* key) {
  const json::value* p = task.if_contains("progress");
  if (p == nullptr || !p->is_object() || !p->as_object().contains(key)) return "-";
  const json::value& v = p->as_object().at(key);
  return v.is_int64() ? group_thousands(v.as_int64()) : json::serialize(v);
}

// GET `path` expecting 200 and a JSON object; the object, or the exit code.
std::variant<json::object, int> get_object(const HttpClient& http, const std::string& path,
                                           const std::string& doing) {
  auto r = http.get(path);
  if (!r.ok() || r->status != 200) return report_failure(r, http, doing);
  boost::system::error_code ec;
  json::value v = json::parse(r->body, ec);
  if (ec || !v.is_object()) {
    std::cerr << "skillsync: " << doing << ": the answer is not a JSON object\n";
    return kExitRequestFailed;
  }
  return std::move(v.as_object());
}

int list(const HttpClient& http, const CommandsState& s) {
  std::string path = kTasks + "?limit=" + std::to_string(s.tasks.limit);
  if (!s.tasks.status.empty()) path += "&status=" + url_escape(s.tasks.status);
  if (!s.tasks.entity_type.empty()) path += "&entity_type=" + url_escape(s.tasks.entity_type);
  auto got = get_object(http, path, "listing tasks");
  if (const int* code = std::get_if<int>(&got)) return *code;
  const json::object& page = std::get<json::object>(got);
  if (s.global.json) {
    std::cout << json::serialize(page) << "\n";
    return kExitOk;
  }
  std::vector<Row> rows;
  for (const json::value& v : page.at("items").as_array()) {
    const json::object& t = v.as_object();
    rows.push_back({text(t, "task_id"), text(t, "status"), text(t, "entity_type"),
                    text(t, "created_at"), progress_count(t, "rows_read"),
                    progress_count(t, "rows_loaded"), progress_count(t, "rows_rejected"),
                    text(t, "uri")});
  }
  std::cout << render_table(
      {"TASK", "STATUS", "ENTITY", "CREATED", "READ", "LOADED", "REJECTED", "URI"}, rows);
  if (!page.at("next_cursor").is_null()) {
    std::cout << "(more tasks: raise --limit, or filter with --status / --entity-type)\n";
  }
  return kExitOk;
}

void print_task(const json::object& t) {
  std::vector<Row> rows;
  for (const char* k :
       {"task_id", "status", "entity_type", "method", "uri", "region", "created_at", "started_at",
        "finished_at", "cancel_requested_at", "attempts", "error", "options"}) {
    rows.push_back({k, text(t, k)});
  }
  rows.push_back({"progress", text(t, "progress")});
  std::cout << render_table({"FIELD", "VALUE"}, rows);
  const json::value* errs = t.if_contains("row_errors");
  if (errs != nullptr && errs->is_array() && !errs->as_array().empty()) {
    std::vector<Row> er;
    for (const json::value& v : errs->as_array()) {
      const json::object& e = v.as_object();
      er.push_back({text(e, "line"), text(e, "column"), text(e, "code"), text(e, "message")});
    }
    std::cout << "\nRow errors (the first 100):\n"
              << render_table({"LINE", "COLUMN", "CODE", "MESSAGE"}, er);
  }
  if (const std::string next = next_step(t); !next.empty()) std::cout << "\n" << next << "\n";
}

int show(const HttpClient& http, const CommandsState& s) {
  auto got = get_object(http, kTasks + "/" + url_escape(s.tasks.id), "reading task " + s.tasks.id);
  if (const int* code = std::get_if<int>(&got)) return *code;
  const json::object& task = std::get<json::object>(got);
  if (s.global.json) {
    std::cout << json::serialize(task) << "\n";
  } else {
    print_task(task);
  }
  return kExitOk;
}

int cancel(const HttpClient& http, const CommandsState& s) {
  const std::string& id = s.tasks.id;
  auto r = http.send({"POST", kTasks + "/" + url_escape(id) + "/cancel"});
  if (!r.ok() || r->status != 202) return report_failure(r, http, "cancelling task " + id);
  if (s.global.json) {
    std::cout << r->body << "\n";
  } else {
    std::cout << "cancel requested for task " << id
              << "; it stops within seconds (follow it: skillsync tasks watch " << id << ")\n";
  }
  return kExitOk;
}

}  // namespace

void add_tasks_commands(CLI::App& cli, CommandsState& s) {
  CLI::App* tasks = cli.add_subcommand("tasks",
                                       "File Load Tasks: list, show, watch, cancel, "
                                       "download their rejected rows");
  tasks->require_subcommand(1);
  set_example(tasks, "skillsync tasks list --status running");
  s.tasks_list = tasks->add_subcommand("list", "List tasks, newest first");
  s.tasks_list->add_option("--status", s.tasks.status, "Only tasks with this status");
  s.tasks_list->add_option("--entity-type", s.tasks.entity_type, "Only this entity type");
  s.tasks_list->add_option("--limit", s.tasks.limit, "At most this many (1-1000)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  set_example(s.tasks_list, "skillsync tasks list --status failed --limit 5");
  s.tasks_show = tasks->add_subcommand("show", "Show a task: status, progress, first row errors");
  set_example(s.tasks_show, "skillsync tasks show flt_0f3c... --json");
  s.tasks_watch = tasks->add_subcommand(
      "watch", "Follow a task until it ends, with a progress line; the exit code is its outcome");
  set_example(s.tasks_watch, "skillsync tasks watch flt_0f3c...");
  s.tasks_cancel = tasks->add_subcommand("cancel", "Cancel a pending or running task");
  set_example(s.tasks_cancel, "skillsync tasks cancel flt_0f3c...");
  s.tasks_errors = tasks->add_subcommand(
      "errors", "A task's rejected rows; --csv FILE downloads them as a CSV to fix and reload");
  s.tasks_errors->add_option("--csv", s.tasks.csv_file,
                             "Stream the re-uploadable error CSV into FILE ('-': stdout)");
  set_example(s.tasks_errors, "skillsync tasks errors flt_0f3c... --csv errors.csv");
  for (CLI::App* c : {s.tasks_show, s.tasks_watch, s.tasks_cancel, s.tasks_errors}) {
    c->add_option("id", s.tasks.id, "Task id (flt_...)")->required();
  }
  for (CLI::App* c : {s.tasks_list, s.tasks_show, s.tasks_cancel, s.tasks_errors}) {
    add_global_flags(c, s.global, false);
  }
  add_global_flags(s.tasks_watch, s.global, true);
}

int run_tasks(CommandsState& s) {
  auto http = connect(s.global.connection, process_env());
  if (!http.ok()) return connect_failed(http.error());
  if (s.tasks_list->parsed()) return list(*http, s);
  if (s.tasks_show->parsed()) return show(*http, s);
  if (s.tasks_cancel->parsed()) return cancel(*http, s);
  if (s.tasks_watch->parsed()) {
    return watch_task(*http, s.tasks.id,
                      watch_output_for_this_process(s.global.json, s.global.quiet));
  }
  if (!s.tasks.csv_file.empty()) return download_errors_csv(*http, s.tasks.id, s.tasks.csv_file);
  return list_errors(*http, s.tasks.id, s.global.json);
}

}  // namespace skillsync::client
