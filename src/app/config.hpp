// config: `--config FILE` and `--print-config` for a command (serve, worker).
//
// The file is TOML as CLI11 reads it: one `option = value` line per setting,
// named as the long option without its dashes (`listen = "0.0.0.0:8080"`,
// `workers = 8`), no sections; `#` starts a comment. Every option of the
// command can be set there, including options added later to the command:
// the names are looked up on the command when the file is read.
//
// Precedence: flag > environment variable > file > default. (CLI11 alone
// would let the file beat the environment; the file is applied after
// parsing instead, to the options that neither a flag nor the environment
// set.) A key that names no option is an error naming the file, the key and
// its line, as is a value its option rejects; the command then does not run.
//
// `--print-config` prints the effective settings as a config file (values
// after flags, environment, file and defaults), with the password of a
// PostgreSQL --store URL replaced by `***`; it never reads key files or the
// bootstrap API key (SKILLSYNC_BOOTSTRAP_API_KEY is no option).
#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>
#include <string_view>

namespace skillsync::app {

// Adds --config FILE (env SKILLSYNC_CONFIG) and --print-config to `cmd`,
// and applies the file once `cmd` has been parsed (a final callback: `cmd`
// must not set another one). Errors are CLI::ConfigError (exit code 1 with
// its message through CLI11_PARSE).
void add_config_options(CLI::App* cmd);

// True when `cmd` was parsed with --print-config; then the effective
// settings have been written to `out`.
bool print_config_if_asked(CLI::App* cmd, std::ostream& out);

// The effective settings of `cmd` as a config file (what --print-config
// prints). REQUIRES: `cmd` has been parsed.
std::string effective_config(CLI::App* cmd);

// `store` with the password of a URL's user info (`postgres://user:pw@`)
// and any `password=` parameter replaced by `***`.
std::string redact_store(std::string_view store);

}  // namespace skillsync::app
