// open_store: picks the Store implementation from the operator's --store.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/time.hpp"
#include "store/store.hpp"

namespace skillsync::store {

// Opens the store named by `store_url` and migrates its schema forward:
// - "" or "sqlite" -> the embedded SQLite database <data_dir>/skillsync.db;
// - "sqlite:PATH" -> the SQLite database at PATH;
// - "postgres://..." or "postgresql://..." -> a PostgreSQL database (a libpq
//   connection URI).
// Anything else fails with "invalid_argument". The URL may carry a password:
// it never appears in an error message.
Result<std::unique_ptr<Store>> open_store(std::string_view store_url, const std::string& data_dir,
                                          const Clock& clock = SystemClock::instance());

// True when `store_url` names a store that several processes may share
// (PostgreSQL); SQLite is for one process.
bool is_shared_store(std::string_view store_url);

}  // namespace skillsync::store
