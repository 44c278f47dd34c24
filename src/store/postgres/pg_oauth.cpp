// PostgresStore: OAuth clients (the oauth_clients table), like API keys but
// looked up by id; the secret's hash is stored as auth/ made it.
#include "store/postgres/postgres_store_impl.hpp"

namespace skillsync::store::postgres {
Status PostgresStore::add_oauth_client(const OAuthClient& client) {
  SKILLSYNC_ASSIGN_OR_RETURN(
      PgResult r,
      pool_.exec("INSERT INTO oauth_clients (id, tenant, scopes, secret_hash, created_at_us)"
                 " VALUES ($1, $2, $3, $4, $5)",
                 Params()
                     .text(client.id)
                     .text(client.tenant)
                     .text(client.scopes)
                     .text(client.secret_hash)
                     .int64(client.created_at != 0 ? client.created_at : clock_.now())));
  return ok_status();
}

Result<std::optional<OAuthClient>> PostgresStore::get_oauth_client(std::string_view id) {
  SKILLSYNC_ASSIGN_OR_RETURN(PgResult r, pool_.exec("SELECT " SKILLSYNC_OAUTH_CLIENT_COLUMNS
                                                    " FROM oauth_clients WHERE id = $1",
                                                    Params().text(id)));
  return r.one<OAuthClient>(read_oauth_client<PgRow>);
}

Result<std::vector<OAuthClient>> PostgresStore::list_oauth_clients() {
  SKILLSYNC_ASSIGN_OR_RETURN(PgResult r,
                             pool_.exec("SELECT " SKILLSYNC_OAUTH_CLIENT_COLUMNS
                                        " FROM oauth_clients ORDER BY created_at_us, id"));
  return r.all<OAuthClient>(read_listed_oauth_client<PgRow>);
}

Result<bool> PostgresStore::revoke_oauth_client(std::string_view id, Micros now) {
  SKILLSYNC_ASSIGN_OR_RETURN(
      PgResult r,
      pool_.exec(
          "UPDATE oauth_clients SET revoked_at_us = $2 WHERE id = $1 AND revoked_at_us IS NULL",
          Params().text(id).int64(now)));
  return r.affected() > 0;
}

Status PostgresStore::touch_oauth_client(std::string_view id, Micros now) {
  SKILLSYNC_ASSIGN_OR_RETURN(
      PgResult r, pool_.exec("UPDATE oauth_clients SET last_used_at_us = $2 WHERE id = $1",
                             Params().text(id).int64(now)));
  return ok_status();
}

}  // namespace skillsync::store::postgres
