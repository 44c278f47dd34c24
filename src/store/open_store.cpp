#include "store/open_store.hpp"

#include "store/postgres/postgres_store.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace skillsync::store {
namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

bool is_shared_store(std::string_view store_url) {
  return starts_with(store_url, "postgres://") || starts_with(store_url, "postgresql://");
}

Result<std::unique_ptr<Store>> open_store(std::string_view store_url, const std::string& data_dir,
                                          const Clock& clock) {
  if (store_url.empty() || store_url == "sqlite") {
    return open_sqlite_store(data_dir + "/skillsync.db", clock);
  }
  if (starts_with(store_url, "sqlite:")) {
    return open_sqlite_store(std::string(store_url.substr(7)), clock);
  }
  if (is_shared_store(store_url)) {
    // Errors of the PostgreSQL store never repeat the URL or its password.
    return open_postgres_store(std::string(store_url), clock);
  }
  return Error{"invalid_argument", "--store must be 'sqlite', 'sqlite:PATH' or a postgres:// URL"};
}

}  // namespace skillsync::store
