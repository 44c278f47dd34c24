// Registration, parsing and dispatch of the client commands (see client.hpp).
#include <iostream>
#include <string_view>

#include "client/client.hpp"
#include "client/client_errors.hpp"
#include "client/commands_internal.hpp"
#include "client/exit_codes.hpp"

namespace skillsync::client {
namespace {

bool is_client_command(std::string_view name) {
  return name == "load" || name == "tasks" || name == "events" || name == "login" ||
         name == "sources";
}

// The first argument naming a top-level command.
std::string_view command_name(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (is_client_command(a) || a == "serve" || a == "worker" || a == "keys") return a;
  }
  return {};
}

void add_login_command(CLI::App& cli, CommandsState& s) {
  s.login = cli.add_subcommand(
      "login",
      "Check a server and API key and save them for the client commands (a 0600 file under "
      "$XDG_CONFIG_HOME or ~/.config/skillsync/); the key is read from --api-key-file, "
      "SKILLSYNC_API_KEY or stdin");
  add_global_flags(s.login, s.global, false);
  set_example(s.login,
              "skillsync login --server https://skillsync.example.com "
              "--api-key-file ~/skillsync.key");
}

}  // namespace

void add_global_flags(CLI::App* cmd, GlobalArgs& g, bool quiet) {
  cmd->add_option("--server", g.connection.server,
                  "Server URL (else SKILLSYNC_URL, the login file, http://127.0.0.1:8080)");
  cmd->add_option("--api-key-file", g.connection.api_key_file,
                  "File whose first line is the API key (else SKILLSYNC_API_KEY, the login file)");
  cmd->add_flag("--json", g.json, "Print the server's JSON only (for scripts)");
  if (quiet) cmd->add_flag("-q,--quiet", g.quiet, "Print nothing; the exit code tells");
}

void set_example(CLI::App* cmd, const std::string& example) {
  cmd->footer("Example:\n  " + example +
              "\n\nExit codes: 0 completed, 2 completed_with_errors, 3 failed, 4 cancelled, "
              "1 request refused, 64 usage, 69 server unreachable, 77 API key refused "
              "(docs/cli.md)");
}

int connect_failed(const Error& e) {
  std::cerr << "skillsync: " << e.message << "\n";
  return is_usage_error(e) ? kExitUsage : kExitRequestFailed;
}

Commands::Commands(std::unique_ptr<CommandsState> state) : state_(std::move(state)) {}
Commands::~Commands() = default;

bool Commands::parsed() const {
  const CommandsState& s = *state_;
  for (CLI::App* c : {s.load_cmd, s.tasks_list, s.tasks_show, s.tasks_watch, s.tasks_cancel,
                      s.tasks_errors, s.events_list, s.events_get, s.login}) {
    if (c != nullptr && c->parsed()) return true;
  }
  return sources_parsed(s);
}

int Commands::run() {
  CommandsState& s = *state_;
  // The command's boundary: an answer of an unexpected shape (boost::json
  // throws on a missing member or a wrong type) ends it with a message.
  try {
    if (s.load_cmd->parsed()) return run_load(s);
    if (s.login->parsed()) return run_login(s);
    if (s.events_list->parsed() || s.events_get->parsed()) return run_events(s);
    if (sources_parsed(s)) return run_sources(s);
    return run_tasks(s);
  } catch (const std::exception& e) {
    std::cerr << "skillsync: the server's answer is not what this client expects (" << e.what()
              << "); check that --server points at a skillsync server of this version\n";
    return kExitRequestFailed;
  }
}

std::unique_ptr<Commands> add_commands(CLI::App& cli) {
  auto state = std::make_unique<CommandsState>();
  add_load_command(cli, *state);
  add_tasks_commands(cli, *state);
  add_events_commands(cli, *state);
  add_login_command(cli, *state);
  add_sources_commands(cli, *state);
  return std::make_unique<Commands>(std::move(state));
}

std::optional<int> parse(CLI::App& cli, int argc, char** argv) {
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = cli.exit(e);
    if (code != 0 && is_client_command(command_name(argc, argv))) return kExitUsage;
    return code;
  }
  return std::nullopt;
}

}  // namespace skillsync::client
