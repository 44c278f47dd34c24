// `skillsync keys`: API keys (see keys_command.hpp); the shape they share
// with `clients` lives in credential_commands.cpp.
#include "app/keys_command.hpp"

#include "api/api.hpp"
#include "common/crypto.hpp"
#include "common/secret.hpp"

namespace skillsync::app {
namespace {

constexpr CredentialKind kKeys = {
    "keys",
    "API key",
    "Manage API keys (create, list, revoke)",
    "Create an API key; prints it once, alone on the last line of stdout",
    "Tenant the key acts for (1-100 of A-Z a-z 0-9 _ -); tasks and events are per tenant",
    "List API keys: id, tenant, scopes, created, last used, revoked (never the key)",
    "Revoke an API key at once, also for running servers",
    "Id of the key (first column of `keys list`)",
};

}  // namespace

std::string key_list_line(const store::ApiKey& key) { return credential_list_line(key); }

int create_api_key(store::Store& store, const std::string& tenant,
                   const std::vector<std::string>& scopes, const Clock& clock, std::FILE* out,
                   std::FILE* err) {
  auto normalized = checked_create_args(kKeys, tenant, scopes, err);
  if (!normalized) return kCredentialExitUsage;
  store::ApiKey info;
  info.id = "key_" + crypto::hex(crypto::random_bytes(8));
  info.tenant = tenant;
  info.scopes = *normalized;
  info.created_at = clock.now();
  SecretString key(api::generate_api_key());
  Status added = store.add_api_key(info, api::hash_api_key(key.reveal()));
  if (!added.ok()) {
    return credential_failure(kKeys, "create", "cannot store the key: " + added.error().message,
                              err);
  }
  std::fprintf(err,
               "skillsync: created API key %s for tenant %s (scopes %s). The key is the last "
               "line of the output and is shown only this once: only its hash is stored.\n",
               info.id.c_str(), info.tenant.c_str(), info.scopes.c_str());
  // Printed on purpose: this is how the operator learns the key.
  std::fprintf(out, "%s\n%s\n", key_list_line(info).c_str(), key.reveal().c_str());
  return flushed(out);
}

int list_api_keys(store::Store& store, std::FILE* out, std::FILE* err) {
  return print_credential_list(kKeys, store.list_api_keys(), out, err);
}

int revoke_api_key(store::Store& store, const std::string& id, const Clock& clock, std::FILE* out,
                   std::FILE* err) {
  auto revoked_at = [&]() -> std::optional<Micros> {
    auto keys = store.list_api_keys();
    if (!keys.ok()) return std::nullopt;
    for (const store::ApiKey& k : *keys) {
      if (k.id == id && k.revoked_at) return k.revoked_at;
    }
    return std::nullopt;
  };
  return report_revoke(kKeys, id, store.revoke_api_key(id, clock.now()), revoked_at, out, err);
}

void add_keys_command(CLI::App& cli, KeysCommand& keys) {
  add_credential_command(cli, kKeys, keys);
}

int run_keys_command(const KeysCommand& keys) {
  return run_credential_command(keys, kKeys, [&keys](store::Store& store, const Clock& clock) {
    if (keys.create->parsed()) {
      return create_api_key(store, keys.tenant, keys.scopes, clock, stdout, stderr);
    }
    if (keys.list->parsed()) return list_api_keys(store, stdout, stderr);
    return revoke_api_key(store, keys.id, clock, stdout, stderr);
  });
}

}  // namespace skillsync::app
