// PostgresStore: the Store over a PostgreSQL database that many skillsync
// processes share (libpq; COPY for staged rows; LISTEN/NOTIFY wake-ups).
#pragma once

#include <memory>
#include <string>

#include "common/time.hpp"
#include "store/store.hpp"

namespace skillsync::store {

// Connects to the database named by `conninfo` (a libpq URI such as
// "postgresql://user:pass@host:5432/db" or a "key=value" string) and
// migrates its schema forward; several processes may open the same database
// at once and only one migrates. Fails with "schema_too_new" when the
// database was migrated by a newer skillsync, "invalid_argument" when
// `conninfo` cannot be parsed and "storage_error" when the server cannot be
// reached. No error message contains the password.
//
// The store keeps a small pool of connections (up to 16 per process) and,
// while a task listener is set, one more for LISTEN.
Result<std::unique_ptr<Store>> open_postgres_store(const std::string& conninfo,
                                                   const Clock& clock = SystemClock::instance());

}  // namespace skillsync::store
