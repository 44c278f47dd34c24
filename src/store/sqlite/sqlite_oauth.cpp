// SqliteStore: OAuth clients (the oauth_clients table), like API keys but
// looked up by id; the secret's hash is stored as auth/ made it.
#include "store/sqlite/sqlite_store_impl.hpp"

namespace skillsync::store::sqlite {
namespace {

OAuthClient read_oauth_client(const Stmt& s) {
  OAuthClient c;
  c.id = s.column_string(0);
  c.tenant = s.column_string(1);
  c.scopes = s.column_string(2);
  c.secret_hash = s.column_string(3);
  c.created_at = s.column_int64(4);
  if (!s.is_null(5)) c.last_used_at = s.column_int64(5);
  if (!s.is_null(6)) c.revoked_at = s.column_int64(6);
  return c;
}

}  // namespace

Status SqliteStore::add_oauth_client(const OAuthClient& client) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto stmt = (*conn)->cached(
      "INSERT INTO oauth_clients (id, tenant, scopes, secret_hash, created_at_us)"
      " VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  s.bind_text(1, client.id);
  s.bind_text(2, client.tenant);
  s.bind_text(3, client.scopes);
  s.bind_text(4, client.secret_hash);
  s.bind_int64(5, client.created_at != 0 ? client.created_at : clock_.now());
  return s.run();
}

Result<std::optional<OAuthClient>> SqliteStore::get_oauth_client(std::string_view id) {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto stmt =
      (*conn)->cached("SELECT " SKILLSYNC_OAUTH_CLIENT_COLUMNS " FROM oauth_clients WHERE id = ?1");
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  s.bind_text(1, id);
  auto row = s.step();
  if (!row.ok()) return row.error();
  if (!row.value()) return std::optional<OAuthClient>();
  return std::optional<OAuthClient>(read_oauth_client(s));
}

Result<std::vector<OAuthClient>> SqliteStore::list_oauth_clients() {
  auto conn = pool_.acquire();
  if (!conn.ok()) return conn.error();
  auto stmt = (*conn)->cached("SELECT " SKILLSYNC_OAUTH_CLIENT_COLUMNS
                              " FROM oauth_clients ORDER BY created_at_us, id");
  if (!stmt.ok()) return stmt.error();
  Stmt& s = *stmt.value();
  StmtReset reset(s);
  std::vector<OAuthClient> out;
  for (;;) {
    auto row = s.step();
    if (!row.ok()) return row.error();
    if (!row.value()) break;
    out.push_back(read_oauth_client(s));
    out.back().secret_hash.clear();
  }
  return out;
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
