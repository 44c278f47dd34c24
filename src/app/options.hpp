// Command-line options shared by several `skillsync` commands.
#pragma once

#include <CLI/CLI.hpp>

#include "app/serve.hpp"

namespace skillsync::app {

// Adds the options of every command that opens the store (--data-dir,
// --store, --log-level, --log-format) to `cmd`, parsing into `config`.
// REQUIRES: `config` outlives the parse of `cmd`.
void add_store_options(CLI::App* cmd, ServeConfig& config);

// Adds --metrics and --metrics-listen (of `serve` and `worker`).
void add_metrics_options(CLI::App* cmd, ServeConfig& config);

}  // namespace skillsync::app
