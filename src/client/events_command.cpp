// `skillsync events list EMPLOYEE` / `events get EMPLOYEE ID` (the Skill Event
// API, read side) and `skillsync login`.
#include <termios.h>
#include <unistd.h>

#include <iostream>

#include <boost/json.hpp>

#include "client/commands_internal.hpp"
#include "client/exit_codes.hpp"
#include "client/table.hpp"

namespace skillsync::client {
namespace json = boost::json;
namespace {

std::string cell(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return "-";
  return v->is_string() ? std::string(v->as_string()) : json::serialize(*v);
}

std::string events_path(const std::string& employee) {
  return "/employees/" + url_escape(employee) + "/skill_events";
}

int list_events(const HttpClient& http, const CommandsState& s) {
  json::array items;
  std::string cursor;
  while (static_cast<int>(items.size()) < s.events.limit) {
    const int want = std::min(1000, s.events.limit - static_cast<int>(items.size()));
    std::string path = events_path(s.events.employee) + "?limit=" + std::to_string(want);
    if (!cursor.empty()) path += "&cursor=" + url_escape(cursor);
    auto r = http.get(path);
    if (!r.ok() || r->status != 200) return report_failure(r, http, "listing events");
    json::value page = json::parse(r->body);
    for (json::value& v : page.as_object()["items"].as_array()) items.push_back(std::move(v));
    const json::value& next = page.as_object()["next_cursor"];
    if (!next.is_string()) break;
    cursor = std::string(next.as_string());
  }
  if (s.global.json) {
    std::cout << json::serialize(json::object{{"items", std::move(items)}}) << "\n";
    return kExitOk;
  }
  std::vector<Row> rows;
  for (const json::value& v : items) {
    const json::object& e = v.as_object();
    rows.push_back({cell(e, "external_id"), cell(e, "event_type"), cell(e, "timestamp"),
                    cell(e, "language"), cell(e, "content"), cell(e, "task_id")});
  }
  std::cout << render_table({"EXTERNAL_ID", "TYPE", "TIMESTAMP", "LANGUAGE", "CONTENT", "TASK"},
                            rows);
  return kExitOk;
}

int get_event(const HttpClient& http, const CommandsState& s) {
  auto r = http.get(events_path(s.events.employee) + "/" + url_escape(s.events.id));
  if (!r.ok() || r->status != 200) return report_failure(r, http, "reading the event");
  if (s.global.json) {
    std::cout << r->body << "\n";
    return kExitOk;
  }
  std::vector<Row> rows;
  const json::value v = json::parse(r->body);
  for (const auto& [k, value] : v.as_object()) {
    rows.push_back({std::string(k),
                    value.is_string() ? std::string(value.as_string()) : json::serialize(value)});
  }
  std::cout << render_table({"FIELD", "VALUE"}, rows);
  return kExitOk;
}

// The key typed (without echo) on a terminal, or the first line of stdin.
std::string read_key_from_stdin() {
  const bool tty = ::isatty(STDIN_FILENO) == 1;
  termios old{};
  if (tty) {
    std::cerr << "API key: " << std::flush;
    ::tcgetattr(STDIN_FILENO, &old);
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string key;
  std::getline(std::cin, key);
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &old);
    std::cerr << "\n";
  }
  return key;
}

}  // namespace

void add_events_commands(CLI::App& cli, CommandsState& s) {
  CLI::App* events = cli.add_subcommand("events", "Skill events of an employee");
  events->require_subcommand(1);
  set_example(events, "skillsync events list employee-1");
  s.events_list = events->add_subcommand("list", "An employee's events, by timestamp");
  s.events_list->add_option("employee", s.events.employee, "employee_external_id")->required();
  s.events_list->add_option("--limit", s.events.limit, "At most this many")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  set_example(s.events_list, "skillsync events list employee-1 --limit 20");
  s.events_get = events->add_subcommand("get", "One event of an employee");
  s.events_get->add_option("employee", s.events.employee, "employee_external_id")->required();
  s.events_get->add_option("id", s.events.id, "The event's external_id")->required();
  set_example(s.events_get, "skillsync events get employee-1 learning-1 --json");
  add_global_flags(s.events_list, s.global, false);
  add_global_flags(s.events_get, s.global, false);
}

int run_events(CommandsState& s) {
  auto http = connect(s.global.connection, process_env());
  if (!http.ok()) return connect_failed(http.error());
  return s.events_list->parsed() ? list_events(*http, s) : get_event(*http, s);
}

int run_login(CommandsState& s) {
  const EnvLookup env = process_env();
  EnvLookup lookup = env;
  if (s.global.connection.api_key_file.empty() && !env("SKILLSYNC_API_KEY")) {
    lookup = [env, typed = read_key_from_stdin()](const std::string& name) {
      if (name != "SKILLSYNC_API_KEY" || typed.empty()) return env(name);
      return std::optional<std::string>(typed);
    };
  }
  auto http = connect(s.global.connection, lookup);
  if (!http.ok()) return connect_failed(http.error());
  auto r = http->get("/integrations/file-load-tasks?limit=1");
  if (!r.ok() || r->status != 200) return report_failure(r, *http, "checking the key");
  auto saved = save_login(http->base_url(), http->api_key(), env);
  if (!saved.ok()) return connect_failed(saved.error());
  std::cout << "the server at " << http->base_url() << " accepts the key; saved to " << *saved
            << " (mode 0600)\n";
  return kExitOk;
}

}  // namespace skillsync::client
