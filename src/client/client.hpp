// The client side of the skillsync binary: `load`, `tasks`, `events`, `login`
// talk to a running server over its HTTP API (docs/cli.md). main.cpp adds
// them with add_commands(), parses with parse() and runs run().
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <optional>

namespace skillsync::client {

struct CommandsState;

class Commands {
 public:
  explicit Commands(std::unique_ptr<CommandsState> state);
  ~Commands();
  // True when one of the client commands was given.
  bool parsed() const;
  // Runs it; returns the process exit code.
  int run();

 private:
  std::unique_ptr<CommandsState> state_;
};

// Adds the client commands to `cli`.
std::unique_ptr<Commands> add_commands(CLI::App& cli);

// Parses like CLI11_PARSE, except that a usage error of a client command
// exits 64 (EX_USAGE). Returns the exit code when the program ends here
// (--help, a usage error), nullopt when a command is to run.
std::optional<int> parse(CLI::App& cli, int argc, char** argv);

}  // namespace skillsync::client
