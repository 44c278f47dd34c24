// The client commands' arguments and their add_*/run_* functions, shared by
// the command files (commands.cpp, load_command.cpp, tasks_command.cpp,
// events_command.cpp).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "client/aws_credentials.hpp"
#include "client/context.hpp"
#include "client/task_body.hpp"

namespace skillsync::client {

struct GlobalArgs {
  ConnectionFlags connection;
  bool json = false;
  bool quiet = false;
};

struct LoadArgs {
  LoadRequest request;
  AwsFlags aws;
  std::string secret_flag;  // --aws-secret-access-key (moved into aws)
  std::string idempotency_key;
  bool wait = false;
};

struct TasksArgs {
  std::string id;
  std::string status;
  std::string entity_type;
  int limit = 20;
  std::string csv_file;
};

struct EventsArgs {
  std::string employee;
  std::string id;
  int limit = 100;
};

struct SourcesArgs {
  std::string id;
  std::string name, entity_type, uri, pattern, start_after;
  std::string batch;  // "" = the server's default (per_file)
  std::string every = "15m";
  AwsFlags aws;  // --profile and --region only
  int limit = 100;
};

struct CommandsState {
  GlobalArgs global;
  LoadArgs load;
  TasksArgs tasks;
  EventsArgs events;
  CLI::App* load_cmd = nullptr;
  CLI::App* tasks_list = nullptr;
  CLI::App* tasks_show = nullptr;
  CLI::App* tasks_watch = nullptr;
  CLI::App* tasks_cancel = nullptr;
  CLI::App* tasks_errors = nullptr;
  CLI::App* events_list = nullptr;
  CLI::App* events_get = nullptr;
  CLI::App* login = nullptr;
  SourcesArgs sources;
  // `sources`; run_sources finds which of its subcommands ran by name.
  CLI::App* sources_cmd = nullptr;
};

// --server, --api-key-file, --json (and --quiet when `quiet`) on `cmd`.
void add_global_flags(CLI::App* cmd, GlobalArgs& g, bool quiet);
// "Example:\n  skillsync ..." as the command's --help footer.
void set_example(CLI::App* cmd, const std::string& example);
// Prints the error of connect() and returns its exit code.
int connect_failed(const Error& e);

void add_load_command(CLI::App& cli, CommandsState& s);
int run_load(CommandsState& s);
void add_tasks_commands(CLI::App& cli, CommandsState& s);
int run_tasks(CommandsState& s);
// `tasks errors ID --csv FILE` / `tasks errors ID` (task_errors.cpp).
int download_errors_csv(const HttpClient& http, const std::string& id, const std::string& file);
int list_errors(const HttpClient& http, const std::string& id, bool as_json);
void add_events_commands(CLI::App& cli, CommandsState& s);
int run_events(CommandsState& s);
int run_login(CommandsState& s);
// `skillsync sources ...` (sources_command.cpp).
void add_sources_commands(CLI::App& cli, CommandsState& s);
bool sources_parsed(const CommandsState& s);
int run_sources(CommandsState& s);

}  // namespace skillsync::client
