// Command-line options shared by several `skillsync` commands.
#pragma once

#include <CLI/CLI.hpp>

#include "app/serve.hpp"

namespace skillsync::app {

// Adds the options of every command that opens the store (--data-dir,
// --store, --log-level) to `cmd`, parsing into `config`.
// REQUIRES: `config` outlives the parse of `cmd`.
void add_store_options(CLI::App* cmd, ServeConfig& config);

}  // namespace skillsync::app
