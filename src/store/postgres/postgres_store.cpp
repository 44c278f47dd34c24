// PostgresStore: opening the database (the calls both stores run alike:
// store/sql_store.hpp).
#include "store/postgres/postgres_store.hpp"

#include "store/cursor.hpp"
#include "store/postgres/migrations.hpp"
#include "store/postgres/postgres_store_impl.hpp"

namespace skillsync::store {

Result<std::unique_ptr<Store>> open_postgres_store(const std::string& conninfo,
                                                   const Clock& clock) {
  // Parsed first, for the password: every message of the store is scrubbed
  // of it. libpq's own parse errors may quote the URL, so none is passed on.
  char* parse_error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &parse_error);
  if (options == nullptr) {
    if (parse_error != nullptr) PQfreemem(parse_error);
    return Error{"invalid_argument", "the PostgreSQL connection URL is not valid"};
  }
  std::string password;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (std::string_view(o->keyword) == "password" && o->val != nullptr) password = o->val;
  }
  PQconninfoFree(options);

  auto conn = postgres::PgConn::connect(conninfo, password);
  if (!conn.ok()) return conn.error();
  SKILLSYNC_TRY(postgres::migrate(*conn));
  return std::unique_ptr<Store>(
      std::make_unique<postgres::PostgresStore>(conninfo, std::move(password), clock));
}

}  // namespace skillsync::store
