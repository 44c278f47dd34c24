// `skillsync clients create|list|revoke`: OAuth2 clients (client-credentials
// grant, POST /oauth/token), managed like API keys (keys_command.hpp) on the
// machine that can open the store (the same --data-dir / --store as `serve`).
//
//   clients create --tenant NAME [--scope read,write]
//       Makes a client id and a random secret (256 bits), stores only the
//       secret's salted PBKDF2 hash (auth/secret_hash.hpp) and prints, once,
//       as the LAST line of stdout, {"client_id": ..., "client_secret": ...}.
//       The line before it is the client's `clients list` line.
//   clients list
//       One line per client, revoked ones included, never the secret:
//         <client_id> <tenant> <scopes> <created> <last token> <revoked>
//   clients revoke ID
//       Revokes the client: it gets no more tokens at once, and the tokens it
//       holds stop working within 30 s on every server (docs/security.md).
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

using ClientsCommand = CredentialCommand;  // `id` is the client_id

// REQUIRES: `clients` outlives the parse of `cli`.
void add_clients_command(CLI::App& cli, ClientsCommand& clients);
// REQUIRES: a successful parse of `cli` that selected `clients`.
int run_clients_command(const ClientsCommand& clients);

// --- the pieces, for tests ---
std::string client_list_line(const store::OAuthClient& client);
int create_oauth_client(store::Store& store, const std::string& tenant,
                        const std::vector<std::string>& scopes, const Clock& clock, std::FILE* out,
                        std::FILE* err);
int list_oauth_clients(store::Store& store, std::FILE* out, std::FILE* err);
int revoke_oauth_client(store::Store& store, const std::string& id, const Clock& clock,
                        std::FILE* out, std::FILE* err);

}  // namespace skillsync::app
