// SqliteStore: OAuth clients (the oauth_clients table), like API keys but
// looked up by id; the secret's hash is stored as auth/ made it.
#include "store/sqlite/sqlite_store_impl.hpp"

namespace skillsync::store::sqlite {
Status SqliteStore::add_oauth_client(const OAuthClient& client) {
  SKILLSYNC_ASSIGN_OR_RETURN(
      PooledQuery s,
      pool_.query("INSERT INTO oauth_clients (id, tenant, scopes, secret_hash, created_at_us)"
                  " VALUES (?1, ?2, ?3, ?4, ?5)"));
  s.text(client.id).text(client.tenant).text(client.scopes).text(client.secret_hash);
  return s.int64(client.created_at != 0 ? client.created_at : clock_.now()).run();
}

Result<std::optional<OAuthClient>> SqliteStore::get_oauth_client(std::string_view id) {
  SKILLSYNC_ASSIGN_OR_RETURN(PooledQuery s, pool_.query("SELECT " SKILLSYNC_OAUTH_CLIENT_COLUMNS
                                                        " FROM oauth_clients WHERE id = ?1"));
  return s.text(id).one<OAuthClient>(read_oauth_client<Row>);
}

Result<std::vector<OAuthClient>> SqliteStore::list_oauth_clients() {
  SKILLSYNC_ASSIGN_OR_RETURN(PooledQuery s,
                             pool_.query("SELECT " SKILLSYNC_OAUTH_CLIENT_COLUMNS
                                         " FROM oauth_clients ORDER BY created_at_us, id"));
  return s.all<OAuthClient>(read_listed_oauth_client<Row>);
}

Result<bool> SqliteStore::revoke_oauth_client(std::string_view id, Micros now) {
  auto changed = update_by_id(
      "UPDATE oauth_clients SET revoked_at_us = ?2 WHERE id = ?1 AND revoked_at_us IS NULL", id,
      now);
  if (!changed.ok()) return changed.error();
  return *changed > 0;
}

Status SqliteStore::touch_oauth_client(std::string_view id, Micros now) {
  auto changed =
      update_by_id("UPDATE oauth_clients SET last_used_at_us = ?2 WHERE id = ?1", id, now);
  if (!changed.ok()) return changed.error();
  return {};
}

}  // namespace skillsync::store::sqlite
