// The shared machinery of `keys` and `clients` (see credential_commands.hpp).
#include "app/credential_commands.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "app/options.hpp"
#include "common/log.hpp"
#include "store/open_store.hpp"

namespace skillsync::app {

void add_credential_command(CLI::App& cli, const CredentialKind& kind, CredentialCommand& c) {
  c.command = cli.add_subcommand(kind.command, kind.help);
  c.command->require_subcommand(1);
  c.create = c.command->add_subcommand("create", kind.create_help);
  c.create->add_option("--tenant", c.tenant, kind.tenant_help)->required();
  c.create
      ->add_option("--scope", c.scopes,
                   "Scopes: read (GET), write (every other method), or read,write")
      ->capture_default_str();
  c.list = c.command->add_subcommand("list", kind.list_help);
  c.revoke = c.command->add_subcommand("revoke", kind.revoke_help);
  c.revoke->add_option("id", c.id, kind.id_help)->required();
  for (CLI::App* sub : {c.create, c.list, c.revoke}) add_store_options(sub, c.store);
}

int run_credential_command(const CredentialCommand& c, const CredentialKind& kind,
                           const std::function<int(store::Store&, const Clock&)>& act) {
  init_logging(c.store.log_level, c.store.log_format);
  // The database holds hashes and employees' records: files made here are
  // for this user only, as with `serve`.
  ::umask(077);
  const bool creating = c.create->parsed();
  // Bad arguments are refused before anything is created on disk.
  if (creating && !checked_create_args(kind, c.tenant, c.scopes, stderr)) {
    return kCredentialExitUsage;
  }
  auto opened = open_command_store(c.store, creating);
  if (!opened.ok()) {
    std::fprintf(stderr, "skillsync %s: cannot open the store: %s\n", kind.command,
                 opened.error().message.c_str());
    return kCredentialExitFailure;
  }
  return act(**opened, SystemClock::instance());
}

Result<std::unique_ptr<store::Store>> open_command_store(const ServeConfig& c, bool may_create) {
  if (c.store.empty() || c.store == "sqlite") {
    const std::string db = c.data_dir + "/skillsync.db";
    if (!may_create && ::access(db.c_str(), F_OK) != 0) {
      return Error{Errc::kNotFound, "no database at " + db + " (check --data-dir or --store)"};
    }
    if (may_create && ::mkdir(c.data_dir.c_str(), 0700) != 0 && errno != EEXIST) {
      return Error{"io_error",
                   "cannot create data directory " + c.data_dir + ": " + std::strerror(errno)};
    }
  }
  return store::open_store(c.store, c.data_dir);
}

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

std::optional<std::string> checked_create_args(const CredentialKind& kind,
                                               const std::string& tenant,
                                               const std::vector<std::string>& scopes,
                                               std::FILE* err) {
  if (!is_valid_tenant(tenant)) {
    std::fprintf(err,
                 "skillsync %s create: invalid --tenant '%s': 1-100 characters of "
                 "A-Z a-z 0-9 _ -\n",
                 kind.command, tenant.c_str());
    return std::nullopt;
  }
  auto normalized = normalize_scopes(scopes);
  if (!normalized.ok()) {
    std::fprintf(err, "skillsync %s create: invalid --scope: %s\n", kind.command,
                 normalized.error().message.c_str());
    return std::nullopt;
  }
  return *normalized;
}

std::string time_or_dash(const std::optional<Micros>& t) {
  if (!t) return "-";
  return format_rfc3339(*t - (*t % 1'000'000 + 1'000'000) % 1'000'000);
}

int credential_failure(const CredentialKind& kind, const char* sub, const std::string& message,
                       std::FILE* err) {
  std::fprintf(err, "skillsync %s %s: %s\n", kind.command, sub, message.c_str());
  return kCredentialExitFailure;
}

int flushed(std::FILE* out) { return std::fflush(out) == 0 ? 0 : kCredentialExitFailure; }

int report_revoke(const CredentialKind& kind, const std::string& id, const Result<bool>& revoked,
                  const std::function<std::optional<Micros>()>& revoked_at, std::FILE* out,
                  std::FILE* err) {
  if (!revoked.ok()) return credential_failure(kind, "revoke", revoked.error().message, err);
  if (*revoked) {
    std::fprintf(out, "revoked %s %s\n", kind.thing, id.c_str());
    return flushed(out);
  }
  if (auto at = revoked_at()) {
    return credential_failure(
        kind, "revoke",
        std::string(kind.thing) + " " + id + " was already revoked at " + time_or_dash(at), err);
  }
  return credential_failure(kind, "revoke",
                            "no " + std::string(kind.thing) + " with id '" + id +
                                "' (see `skillsync " + kind.command + " list`)",
                            err);
}

}  // namespace skillsync::app
