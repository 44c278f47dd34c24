// The SQLite schema, as an ordered list of migrations.
//
// Migration i (0-based) moves a database from user_version i to i + 1. A
// released migration is never edited; a schema change is a new entry at the
// end. PRAGMA user_version records how far a file has come.
#pragma once

#include <span>
#include <string_view>

#include "common/result.hpp"
#include "store/sqlite/db.hpp"

namespace skillsync::store::sqlite {

// Every migration this binary knows, oldest first.
std::span<const std::string_view> migrations();

// The user_version a fully migrated database has.
int schema_version();

// Applies the missing migrations in one transaction. Fails with
// "schema_too_new" when the file's user_version is newer than
// schema_version(), leaving the file untouched.
Status migrate(Db& db);

}  // namespace skillsync::store::sqlite
