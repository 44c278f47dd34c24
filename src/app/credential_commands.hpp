// What `keys` (keys_command.hpp) and `clients` (clients_command.hpp) share:
// both manage a tenant's credentials in the store with create|list|revoke,
// the same arguments (--tenant, --scope, an id), the same store opening, the
// same list line and the same messages; each supplies its store calls.
//
// Exit codes: 0 success, 1 failure (store, unknown id), 2 invalid arguments.
// Messages go to `err`, results (list lines, the secret) to `out`.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/serve.hpp"
#include "common/result.hpp"
#include "common/time.hpp"
#include "store/store.hpp"

namespace skillsync::app {

constexpr int kCredentialExitFailure = 1;
constexpr int kCredentialExitUsage = 2;

// A parsed `keys` or `clients` command line.
struct CredentialCommand {
  ServeConfig store;  // --data-dir, --store, --log-level (the rest is unused)
  CLI::App* command = nullptr;
  CLI::App* create = nullptr;
  CLI::App* list = nullptr;
  CLI::App* revoke = nullptr;
  std::string tenant;
  // --scope, each a comma-separated list (see normalize_scopes); repeatable.
  std::vector<std::string> scopes = {"read,write"};
  std::string id;  // revoke's argument
};

// The words a command uses: its name ("keys") and its thing ("API key"),
// and the help texts of its subcommands.
struct CredentialKind {
  const char* command;
  const char* thing;
  const char* help;         // the command's
  const char* create_help;  // create's
  const char* tenant_help;  // --tenant's
  const char* list_help;
  const char* revoke_help;
  const char* id_help;  // revoke's id argument
};

// Adds `kind.command` and create|list|revoke to `cli`, parsing into `c`.
void add_credential_command(CLI::App& cli, const CredentialKind& kind, CredentialCommand& c);

// The common run: logging, umask 077, create's arguments checked before
// anything is made on disk, the store opened (created only by `create`);
// then `act` on the open store. Returns the process exit code.
int run_credential_command(const CredentialCommand& c, const CredentialKind& kind,
                           const std::function<int(store::Store&, const Clock&)>& act);

// True for 1-100 characters of A-Z a-z 0-9 _ -.
bool is_valid_tenant(std::string_view tenant);

// The scopes as stored ("read", "write" or "read,write", in that order), from
// a list whose items may themselves be comma-separated. Fails with
// "invalid_argument" on an empty list, an empty item or an unknown scope.
Result<std::string> normalize_scopes(const std::vector<std::string>& scopes);

// The stored scopes, or nullopt after saying on `err` what is wrong with
// create's arguments.
std::optional<std::string> checked_create_args(const CredentialKind& kind,
                                               const std::string& tenant,
                                               const std::vector<std::string>& scopes,
                                               std::FILE* err);

// Opens the store of `c`: only when `may_create` may it make the data
// directory and database, so that `list` and `revoke` on a mistyped
// --data-dir say so rather than answer from a new, empty database.
Result<std::unique_ptr<store::Store>> open_command_store(const ServeConfig& c, bool may_create);

// "2024-05-01T10:00:00Z" or "-": seconds are precise enough for an operator
// and keep the columns aligned.
std::string time_or_dash(const std::optional<Micros>& t);

// The list line of an ApiKey or OAuthClient (no trailing newline):
//   <id> <tenant> <scopes> <created> <last used> <revoked>
template <class Credential>
std::string credential_list_line(const Credential& c) {
  std::string line = c.id;
  for (const std::string& field : {c.tenant, c.scopes, time_or_dash(c.created_at),
                                   time_or_dash(c.last_used_at), time_or_dash(c.revoked_at)}) {
    line += "  ";
    line += field;
  }
  return line;
}

// "skillsync <command> <sub>: <message>" on `err`; returns the failure exit code.
int credential_failure(const CredentialKind& kind, const char* sub, const std::string& message,
                       std::FILE* err);

// 0 when `out` flushes, else the failure exit code.
int flushed(std::FILE* out);

// `list`: one line per item, or "no <thing>s" on `err`.
template <class Credential>
int print_credential_list(const CredentialKind& kind, const Result<std::vector<Credential>>& items,
                          std::FILE* out, std::FILE* err) {
  if (!items.ok()) return credential_failure(kind, "list", items.error().message, err);
  if (items->empty()) std::fprintf(err, "skillsync: no %ss\n", kind.thing);
  for (const Credential& c : *items) std::fprintf(out, "%s\n", credential_list_line(c).c_str());
  return flushed(out);
}

// `revoke`: reports the store's answer `revoked` for `id`. When it is false,
// `revoked_at` tells a repeated revoke (the time it was revoked) from an
// unknown id (nullopt): the two call for different reactions.
int report_revoke(const CredentialKind& kind, const std::string& id, const Result<bool>& revoked,
                  const std::function<std::optional<Micros>()>& revoked_at, std::FILE* out,
                  std::FILE* err);

}  // namespace skillsync::app
