// `skillsync clients`: OAuth2 clients (see clients_command.hpp).
#include "app/clients_command.hpp"

#include <sys/stat.h>

#include "app/keys_command.hpp"
#include "app/options.hpp"
#include "auth/secret_hash.hpp"
#include "common/log.hpp"
#include "common/secret.hpp"

namespace skillsync::app {
namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

std::string time_or_dash(const std::optional<Micros>& t) {
  if (!t) return "-";
  return format_rfc3339(*t - (*t % 1'000'000 + 1'000'000) % 1'000'000);
}

// The stored scopes, or nullopt after saying on `err` what is wrong.
std::optional<std::string> checked_args(const std::string& tenant,
                                        const std::vector<std::string>& scopes, std::FILE* err) {
  if (!is_valid_tenant(tenant)) {
    std::fprintf(err,
                 "skillsync clients create: invalid --tenant '%s': 1-100 characters of "
                 "A-Z a-z 0-9 _ -\n",
                 tenant.c_str());
    return std::nullopt;
  }
  auto normalized = normalize_scopes(scopes);
  if (!normalized.ok()) {
    std::fprintf(err, "skillsync clients create: invalid --scope: %s\n",
                 normalized.error().message.c_str());
    return std::nullopt;
  }
  return *normalized;
}

}  // namespace

std::string client_list_line(const store::OAuthClient& c) {
  std::string line = c.id;
  for (const std::string& field : {c.tenant, c.scopes, time_or_dash(c.created_at),
                                   time_or_dash(c.last_used_at), time_or_dash(c.revoked_at)}) {
    line += "  ";
    line += field;
  }
  return line;
}

int create_oauth_client(store::Store& store, const std::string& tenant,
                        const std::vector<std::string>& scopes, const Clock& clock, std::FILE* out,
                        std::FILE* err) {
  auto normalized = checked_args(tenant, scopes, err);
  if (!normalized) return kExitUsage;
  store::OAuthClient client;
  client.id = auth::generate_client_id();
  client.tenant = tenant;
  client.scopes = *normalized;
  client.created_at = clock.now();
  SecretString secret(auth::generate_client_secret());
  client.secret_hash = auth::hash_client_secret(secret.reveal());
  if (Status added = store.add_oauth_client(client); !added.ok()) {
    std::fprintf(err, "skillsync clients create: cannot store the client: %s\n",
                 added.error().message.c_str());
    return kExitFailure;
  }
  std::fprintf(err,
               "skillsync: created OAuth client %s for tenant %s (scopes %s). The secret is in "
               "the last line of the output and is shown only this once: only its hash is "
               "stored.\n",
               client.id.c_str(), client.tenant.c_str(), client.scopes.c_str());
  // Printed on purpose: this is how the operator learns the secret. Ids and
  // secrets are [A-Za-z0-9_-] only, so no JSON escaping is needed.
  std::fprintf(out, "%s\n{\"client_id\": \"%s\", \"client_secret\": \"%s\"}\n",
               client_list_line(client).c_str(), client.id.c_str(), secret.reveal().c_str());
  return std::fflush(out) == 0 ? 0 : kExitFailure;
}

int list_oauth_clients(store::Store& store, std::FILE* out, std::FILE* err) {
  auto clients = store.list_oauth_clients();
  if (!clients.ok()) {
    std::fprintf(err, "skillsync clients list: %s\n", clients.error().message.c_str());
    return kExitFailure;
  }
  if (clients->empty()) std::fprintf(err, "skillsync: no OAuth clients\n");
  for (const auto& c : *clients) std::fprintf(out, "%s\n", client_list_line(c).c_str());
  return std::fflush(out) == 0 ? 0 : kExitFailure;
}

int revoke_oauth_client(store::Store& store, const std::string& id, const Clock& clock,
                        std::FILE* out, std::FILE* err) {
  auto revoked = store.revoke_oauth_client(id, clock.now());
  if (!revoked.ok()) {
    std::fprintf(err, "skillsync clients revoke: %s\n", revoked.error().message.c_str());
    return kExitFailure;
  }
  if (*revoked) {
    std::fprintf(out, "revoked OAuth client %s\n", id.c_str());
    return std::fflush(out) == 0 ? 0 : kExitFailure;
  }
  auto existing = store.get_oauth_client(id);
  if (existing.ok() && existing->has_value() && (*existing)->revoked_at) {
    std::fprintf(err, "skillsync clients revoke: OAuth client %s was already revoked at %s\n",
                 id.c_str(), time_or_dash((*existing)->revoked_at).c_str());
    return kExitFailure;
  }
  std::fprintf(err,
               "skillsync clients revoke: no OAuth client with id '%s' (see `skillsync clients "
               "list`)\n",
               id.c_str());
  return kExitFailure;
}

void add_clients_command(CLI::App& cli, ClientsCommand& c) {
  c.command = cli.add_subcommand("clients", "Manage OAuth2 clients (create, list, revoke)");
  c.command->require_subcommand(1);
  c.create = c.command->add_subcommand(
      "create",
      "Create an OAuth2 client; prints {\"client_id\", \"client_secret\"} once, as the last line "
      "of stdout");
  c.create->add_option("--tenant", c.tenant, "Tenant the client's tokens act for")->required();
  c.create
      ->add_option("--scope", c.scopes,
                   "Scopes: read (GET), write (every other method), or read,write")
      ->capture_default_str();
  c.list = c.command->add_subcommand(
      "list", "List OAuth2 clients: id, tenant, scopes, created, last token, revoked");
  c.revoke = c.command->add_subcommand(
      "revoke", "Revoke an OAuth2 client: no new tokens, its tokens refused within 30 s");
  c.revoke->add_option("id", c.client_id, "client_id (first column of `clients list`)")->required();
  for (CLI::App* sub : {c.create, c.list, c.revoke}) add_store_options(sub, c.store);
}

int run_clients_command(const ClientsCommand& c) {
  init_logging(c.store.log_level, c.store.log_format);
  ::umask(077);
  const bool creating = c.create->parsed();
  if (creating && !checked_args(c.tenant, c.scopes, stderr)) return kExitUsage;
  auto opened = open_command_store(c.store, creating);
  if (!opened.ok()) {
    std::fprintf(stderr, "skillsync clients: cannot open the store: %s\n",
                 opened.error().message.c_str());
    return kExitFailure;
  }
  store::Store& store = **opened;
  const Clock& clock = SystemClock::instance();
  if (creating) return create_oauth_client(store, c.tenant, c.scopes, clock, stdout, stderr);
  if (c.list->parsed()) return list_oauth_clients(store, stdout, stderr);
  return revoke_oauth_client(store, c.client_id, clock, stdout, stderr);
}

}  // namespace skillsync::app
