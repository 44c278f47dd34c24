// PostgresStore: the statement that moves a task's stage into `events`
// (the publish of a File Load Task), split out of pg_writer.cpp.
//
// Contract: runs inside the caller's transaction, with the task row locked
// and the stage table existing. Writes the file's last row of each key of
// the stage into the tenant's events (insert or update), stamped with the
// task id and `now`, and returns the number of distinct keys written. Leaves
// the stage in place (the caller drops it in the same transaction).
#pragma once

#include <cstdint>
#include <string_view>

#include "common/result.hpp"
#include "store/postgres/pg.hpp"

namespace skillsync::store::postgres {

// Which statement wrote the rows: MERGE (the usual path) or the
// INSERT ... ON CONFLICT fallback after a concurrent writer's insert of
// one of the keys made MERGE fail.
enum class PublishPath { kMerge, kUpsert };

struct Published {
  uint64_t distinct = 0;
  PublishPath path = PublishPath::kMerge;
};

// `force_upsert` skips MERGE (tests compare both paths on the same data);
// so does a server older than PostgreSQL 15, which has no MERGE.
Result<Published> publish_stage(const PgConn& conn, std::string_view stage, std::string_view tenant,
                                std::string_view task_id, int64_t now, bool force_upsert = false);

}  // namespace skillsync::store::postgres
