// `skillsync keys create|list|revoke`: API keys, managed by the operator on
// the machine that can open the store (the same --data-dir / --store as
// `serve`; safe while a server runs on that store).
//
//   keys create --tenant NAME [--scope read,write]
//       Makes a random key (256 bits), stores only its SHA-256 and prints the
//       key once, alone on the last line of stdout. The line before it is the
//       key's `keys list` line (so scripts learn the id).
//   keys list
//       One line per key, revoked ones included, never the key or its hash:
//         <id> <tenant> <scopes> <created> <last used> <revoked>
//       separated by blanks; times are RFC 3339 UTC to the second, "-" when
//       unset. Last use is recorded at most once a minute per key and server.
//   keys revoke ID
//       Revokes the key: every server sharing the store refuses it (401) from
//       its next request on. Unknown or already revoked ids fail (exit 1).
//
// Exit codes: 0 success, 1 failure (store, unknown id), 2 invalid arguments.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>
#include <vector>

#include "app/credential_commands.hpp"
#include "common/time.hpp"
#include "store/store.hpp"

namespace skillsync::app {

using KeysCommand = CredentialCommand;  // `id` is the key's id

// Adds `keys` and its subcommands to `cli`, parsing into `keys`.
// REQUIRES: `keys` outlives the parse of `cli`.
void add_keys_command(CLI::App& cli, KeysCommand& keys);

// Runs the parsed `keys` subcommand. Returns the process exit code.
// REQUIRES: add_keys_command(cli, keys) and a successful parse of `cli` that
// selected `keys`.
int run_keys_command(const KeysCommand& keys);

// --- the pieces, for tests ---

// `keys list`'s line for `key` (no trailing newline).
std::string key_list_line(const store::ApiKey& key);

// The actions, on an open store, writing to `out` (results) and `err`
// (messages). Each returns the exit code.
int create_api_key(store::Store& store, const std::string& tenant,
                   const std::vector<std::string>& scopes, const Clock& clock, std::FILE* out,
                   std::FILE* err);
int list_api_keys(store::Store& store, std::FILE* out, std::FILE* err);
int revoke_api_key(store::Store& store, const std::string& id, const Clock& clock, std::FILE* out,
                   std::FILE* err);

}  // namespace skillsync::app
