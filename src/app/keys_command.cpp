#include "app/keys_command.hpp"

#include <cstdio>

namespace skillsync::app {

void add_keys_command(CLI::App& cli, KeysCommand& keys) {
  auto* cmd = cli.add_subcommand("keys", "Manage API keys (create, list, revoke)");
  cmd->require_subcommand(1);
  keys.create = cmd->add_subcommand("create", "Create an API key");
  keys.list = cmd->add_subcommand("list", "List API keys");
  keys.revoke = cmd->add_subcommand("revoke", "Revoke an API key");
}

int run_keys_command(const KeysCommand&) {
  std::fprintf(stderr, "skillsync keys: not implemented yet\n");
  return 2;
}

}  // namespace skillsync::app
