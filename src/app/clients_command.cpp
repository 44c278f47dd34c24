// `skillsync clients`: OAuth2 clients (see clients_command.hpp); the shape
// they share with `keys` lives in credential_commands.cpp.
#include "app/clients_command.hpp"

#include "auth/secret_hash.hpp"
#include "common/secret.hpp"

namespace skillsync::app {
namespace {

constexpr CredentialKind kClients = {
    "clients",
    "OAuth client",
    "Manage OAuth2 clients (create, list, revoke)",
    "Create an OAuth2 client; prints {\"client_id\", \"client_secret\"} once, as the last line "
    "of stdout",
    "Tenant the client's tokens act for",
    "List OAuth2 clients: id, tenant, scopes, created, last token, revoked",
    "Revoke an OAuth2 client: no new tokens, its tokens refused within 30 s",
    "client_id (first column of `clients list`)",
};

}  // namespace

std::string client_list_line(const store::OAuthClient& c) { return credential_list_line(c); }

int create_oauth_client(store::Store& store, const std::string& tenant,
                        const std::vector<std::string>& scopes, const Clock& clock, std::FILE* out,
                        std::FILE* err) {
  auto normalized = checked_create_args(kClients, tenant, scopes, err);
  if (!normalized) return kCredentialExitUsage;
  store::OAuthClient client;
  client.id = auth::generate_client_id();
  client.tenant = tenant;
  client.scopes = *normalized;
  client.created_at = clock.now();
  SecretString secret(auth::generate_client_secret());
  client.secret_hash = auth::hash_client_secret(secret.reveal());
  if (Status added = store.add_oauth_client(client); !added.ok()) {
    return credential_failure(kClients, "create",
                              "cannot store the client: " + added.error().message, err);
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
  return flushed(out);
}

int list_oauth_clients(store::Store& store, std::FILE* out, std::FILE* err) {
  return print_credential_list(kClients, store.list_oauth_clients(), out, err);
}

int revoke_oauth_client(store::Store& store, const std::string& id, const Clock& clock,
                        std::FILE* out, std::FILE* err) {
  auto revoked_at = [&]() -> std::optional<Micros> {
    auto existing = store.get_oauth_client(id);
    if (!existing.ok() || !existing->has_value()) return std::nullopt;
    return (*existing)->revoked_at;
  };
  return report_revoke(kClients, id, store.revoke_oauth_client(id, clock.now()), revoked_at, out,
                       err);
}

void add_clients_command(CLI::App& cli, ClientsCommand& c) {
  add_credential_command(cli, kClients, c);
}

int run_clients_command(const ClientsCommand& c) {
  return run_credential_command(c, kClients, [&c](store::Store& store, const Clock& clock) {
    if (c.create->parsed()) {
      return create_oauth_client(store, c.tenant, c.scopes, clock, stdout, stderr);
    }
    if (c.list->parsed()) return list_oauth_clients(store, stdout, stderr);
    return revoke_oauth_client(store, c.id, clock, stdout, stderr);
  });
}

}  // namespace skillsync::app
