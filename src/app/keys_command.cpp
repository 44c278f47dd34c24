#include "app/keys_command.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "api/api.hpp"
#include "app/options.hpp"
#include "common/crypto.hpp"
#include "common/log.hpp"
#include "common/secret.hpp"
#include "store/open_store.hpp"

namespace skillsync::app {
namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

// "2024-05-01T10:00:00Z" or "-": seconds are precise enough for an operator
// and keep the columns aligned.
std::string time_or_dash(const std::optional<Micros>& t) {
  if (!t) return "-";
  return format_rfc3339(*t - (*t % 1'000'000 + 1'000'000) % 1'000'000);
}

bool uses_default_sqlite(const ServeConfig& c) { return c.store.empty() || c.store == "sqlite"; }

// Opens the store of `c`. Only `create` may make a new data directory and
// database: `list` and `revoke` on a mistyped --data-dir should say so
// rather than quietly answer from a new, empty database.
Result<std::unique_ptr<store::Store>> open(const ServeConfig& c, bool may_create) {
  if (uses_default_sqlite(c)) {
    const std::string db = c.data_dir + "/skillsync.db";
    if (!may_create && ::access(db.c_str(), F_OK) != 0) {
      return Error{"not_found", "no database at " + db + " (check --data-dir or --store)"};
    }
    if (may_create && ::mkdir(c.data_dir.c_str(), 0700) != 0 && errno != EEXIST) {
      return Error{"io_error",
                   "cannot create data directory " + c.data_dir + ": " + std::strerror(errno)};
    }
  }
  return store::open_store(c.store, c.data_dir);
}

}  // namespace

bool is_valid_tenant(std::string_view tenant) {
  if (tenant.empty() || tenant.size() > 100) return false;
  return std::all_of(tenant.begin(), tenant.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == '-';
  });
}

Result<std::string> normalize_scopes(const std::vector<std::string>& scopes) {
  bool read = false;
  bool write = false;
  bool any = false;
  for (const std::string& item : scopes) {
    std::string_view rest = item;
    for (;;) {
      const size_t comma = rest.find(',');
      const std::string_view scope = rest.substr(0, comma);
      any = true;
      if (scope == "read") {
        read = true;
      } else if (scope == "write") {
        write = true;
      } else {
        return Error{"invalid_argument", "unknown scope '" + std::string(scope) +
                                             "': scopes are a non-empty list of read, write"};
      }
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  if (!any) return Error{"invalid_argument", "scopes are a non-empty list of read, write"};
  if (read && write) return std::string("read,write");
  return std::string(read ? "read" : "write");
}

std::string key_list_line(const store::ApiKey& key) {
  std::string line = key.id;
  for (const std::string& field : {key.tenant, key.scopes, time_or_dash(key.created_at),
                                   time_or_dash(key.last_used_at), time_or_dash(key.revoked_at)}) {
    line += "  ";
    line += field;
  }
  return line;
}

namespace {

// The stored form of the scopes, or nullopt after saying on `err` what is
// wrong with the arguments.
std::optional<std::string> checked_create_args(const std::string& tenant,
                                               const std::vector<std::string>& scopes,
                                               std::FILE* err) {
  if (!is_valid_tenant(tenant)) {
    std::fprintf(err,
                 "skillsync keys create: invalid --tenant '%s': 1-100 characters of "
                 "A-Z a-z 0-9 _ -\n",
                 tenant.c_str());
    return std::nullopt;
  }
  auto normalized = normalize_scopes(scopes);
  if (!normalized.ok()) {
    std::fprintf(err, "skillsync keys create: invalid --scope: %s\n",
                 normalized.error().message.c_str());
    return std::nullopt;
  }
  return *normalized;
}

}  // namespace

int create_api_key(store::Store& store, const std::string& tenant,
                   const std::vector<std::string>& scopes, const Clock& clock, std::FILE* out,
                   std::FILE* err) {
  auto normalized = checked_create_args(tenant, scopes, err);
  if (!normalized) return kExitUsage;
  store::ApiKey info;
  info.id = "key_" + crypto::hex(crypto::random_bytes(8));
  info.tenant = tenant;
  info.scopes = *normalized;
  info.created_at = clock.now();
  SecretString key(api::generate_api_key());
  Status added = store.add_api_key(info, api::hash_api_key(key.reveal()));
  if (!added.ok()) {
    std::fprintf(err, "skillsync keys create: cannot store the key: %s\n",
                 added.error().message.c_str());
    return kExitFailure;
  }
  std::fprintf(err,
               "skillsync: created API key %s for tenant %s (scopes %s). The key is the last "
               "line of the output and is shown only this once: only its hash is stored.\n",
               info.id.c_str(), info.tenant.c_str(), info.scopes.c_str());
  // Printed on purpose: this is how the operator learns the key.
  std::fprintf(out, "%s\n%s\n", key_list_line(info).c_str(), key.reveal().c_str());
  return std::fflush(out) == 0 ? 0 : kExitFailure;
}

int list_api_keys(store::Store& store, std::FILE* out, std::FILE* err) {
  auto keys = store.list_api_keys();
  if (!keys.ok()) {
    std::fprintf(err, "skillsync keys list: %s\n", keys.error().message.c_str());
    return kExitFailure;
  }
  if (keys->empty()) std::fprintf(err, "skillsync: no API keys\n");
  for (const store::ApiKey& k : *keys) std::fprintf(out, "%s\n", key_list_line(k).c_str());
  return std::fflush(out) == 0 ? 0 : kExitFailure;
}

int revoke_api_key(store::Store& store, const std::string& id, const Clock& clock, std::FILE* out,
                   std::FILE* err) {
  auto revoked = store.revoke_api_key(id, clock.now());
  if (!revoked.ok()) {
    std::fprintf(err, "skillsync keys revoke: %s\n", revoked.error().message.c_str());
    return kExitFailure;
  }
  if (*revoked) {
    std::fprintf(out, "revoked API key %s\n", id.c_str());
    return std::fflush(out) == 0 ? 0 : kExitFailure;
  }
  // Say which of the two it was: a typo and a repeated revoke call for
  // different reactions.
  auto keys = store.list_api_keys();
  if (keys.ok()) {
    for (const store::ApiKey& k : *keys) {
      if (k.id == id && k.revoked_at) {
        std::fprintf(err, "skillsync keys revoke: API key %s was already revoked at %s\n",
                     id.c_str(), time_or_dash(k.revoked_at).c_str());
        return kExitFailure;
      }
    }
  }
  std::fprintf(err, "skillsync keys revoke: no API key with id '%s' (see `skillsync keys list`)\n",
               id.c_str());
  return kExitFailure;
}

void add_keys_command(CLI::App& cli, KeysCommand& keys) {
  keys.command = cli.add_subcommand("keys", "Manage API keys (create, list, revoke)");
  keys.command->require_subcommand(1);
  keys.create = keys.command->add_subcommand(
      "create", "Create an API key; prints it once, alone on the last line of stdout");
  keys.create
      ->add_option("--tenant", keys.tenant,
                   "Tenant the key acts for (1-100 of A-Z a-z 0-9 _ -); tasks and events are "
                   "per tenant")
      ->required();
  keys.create
      ->add_option("--scope", keys.scopes,
                   "Scopes: read (GET), write (every other method), or read,write")
      ->capture_default_str();
  keys.list = keys.command->add_subcommand(
      "list", "List API keys: id, tenant, scopes, created, last used, revoked (never the key)");
  keys.revoke =
      keys.command->add_subcommand("revoke", "Revoke an API key at once, also for running servers");
  keys.revoke->add_option("id", keys.key_id, "Id of the key (first column of `keys list`)")
      ->required();
  for (CLI::App* sub : {keys.create, keys.list, keys.revoke}) add_store_options(sub, keys.store);
}

int run_keys_command(const KeysCommand& keys) {
  init_logging(keys.store.log_level, keys.store.log_format);
  // The database holds hashes and employees' records: files made here are
  // for this user only, as with `serve`.
  ::umask(077);
  const bool creating = keys.create->parsed();
  // Bad arguments are refused before anything is created on disk.
  if (creating && !checked_create_args(keys.tenant, keys.scopes, stderr)) return kExitUsage;
  auto opened = open(keys.store, creating);
  if (!opened.ok()) {
    std::fprintf(stderr, "skillsync keys: cannot open the store: %s\n",
                 opened.error().message.c_str());
    return kExitFailure;
  }
  store::Store& store = **opened;
  const Clock& clock = SystemClock::instance();
  if (creating) return create_api_key(store, keys.tenant, keys.scopes, clock, stdout, stderr);
  if (keys.list->parsed()) return list_api_keys(store, stdout, stderr);
  return revoke_api_key(store, keys.key_id, clock, stdout, stderr);
}

}  // namespace skillsync::app
