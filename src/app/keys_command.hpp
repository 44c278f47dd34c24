// `skillsync keys create|list|revoke`: API keys, managed by the operator on
// the machine that can open the store.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "app/serve.hpp"

namespace skillsync::app {

struct KeysCommand {
  ServeConfig store;  // --data-dir, --store, --log-level
  CLI::App* create = nullptr;
  CLI::App* list = nullptr;
  CLI::App* revoke = nullptr;
  std::string tenant;
  std::string scopes = "read,write";
  std::string key_id;
};

// Adds `keys` and its subcommands to `cli`, parsing into `keys`.
void add_keys_command(CLI::App& cli, KeysCommand& keys);

// Runs the parsed `keys` subcommand. Returns the process exit code.
int run_keys_command(const KeysCommand& keys);

}  // namespace skillsync::app
