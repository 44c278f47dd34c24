// SqliteStore: the embedded Store, one SQLite database file in WAL mode.
#pragma once

#include <memory>
#include <string>

#include "common/time.hpp"
#include "store/store.hpp"

namespace skillsync::store {

// Opens (creating if needed) the database at `path` and migrates its schema
// forward. Fails with "schema_too_new" when the file was written by a newer
// skillsync. ":memory:" is not supported (connections must share the file).
Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path,
                                                 const Clock& clock = SystemClock::instance());

}  // namespace skillsync::store
