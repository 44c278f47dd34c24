// Command-line options shared by several `skillsync` commands, and the
// helper that gives a numeric option its environment variable and range.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>

#include "app/serve.hpp"

namespace skillsync::app {

// Adds the options of every command that opens the store (--data-dir,
// --store, --log-level, --log-format) to `cmd`, parsing into `config`.
// REQUIRES: `config` outlives the parse of `cmd`.
void add_store_options(CLI::App* cmd, ServeConfig& config);

// Adds --metrics and --metrics-listen (of `serve` and `worker`).
void add_metrics_options(CLI::App* cmd, ServeConfig& config);

// The environment variable of option `flag`: "--max-body-bytes" ->
// "SKILLSYNC_MAX_BODY_BYTES".
std::string option_env_name(std::string_view flag);

// Adds the numeric option `flag` to `cmd`, read also from its environment
// variable (option_env_name), limited by `range` (a CLI::Range), its default
// shown in --help. REQUIRES: `value` outlives the parse of `cmd`.
template <class T>
CLI::Option* add_ranged_option(CLI::App* cmd, const std::string& flag, T& value,
                               const std::string& help, const CLI::Validator& range) {
  return cmd->add_option(flag, value, help)
      ->envname(option_env_name(flag))
      ->check(range)
      ->capture_default_str();
}

}  // namespace skillsync::app
