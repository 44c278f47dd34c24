// The PostgreSQL store's schema, as numbered migrations.
//
// schema_version holds one row per applied migration (version, applied_at);
// the schema's version is the highest. migrate() runs
// in one transaction that first takes pg_advisory_xact_lock(kMigrationLock):
// of several processes starting at once, one migrates and the others wait
// for it and then find the schema current, so every migration runs once.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "store/postgres/pg.hpp"

namespace skillsync::store::postgres {

// The advisory lock key that serializes migrations ("skillsyn" in ASCII).
inline constexpr int64_t kMigrationLock = 0x736b696c6c73796e;

// Migration i (0-based) takes the schema from version i to i + 1.
std::span<const std::string_view> migrations();
int schema_version();

// Brings the database to schema_version(). Fails with "schema_too_new"
// when the database was migrated by a newer skillsync.
Status migrate(const PgConn& conn);

}  // namespace skillsync::store::postgres
