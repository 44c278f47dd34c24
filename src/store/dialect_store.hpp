// DialectStore: the Store calls whose SQL each backend writes in its own
// dialect, declared once for both. Internal to src/store; the base class of
// sqlite::SqliteStore and postgres::PostgresStore, itself a SqlStore
// (sql_store.hpp), which holds the calls written once for both dialects.
//
// Declared here, defined per backend as explicit specializations of these
// members (`template <> Status DialectStore<ConnectionPool, PgRow>::
// create_task(...)`), each in the backend's file for its responsibility:
// creating and listing tasks (pg_tasks.cpp, sqlite_tasks.cpp), claims,
// leases, cancelling and finishing (pg_leases.cpp, sqlite_leases.cpp),
// loads (pg_writer.cpp, task_writer.cpp) and the ledger writes of sources
// (pg_sources.cpp, pg_task_objects.cpp, sqlite_sources.cpp,
// sqlite_task_objects.cpp). There is no generic definition: a backend
// that leaves one out fails to link. What is the backend's alone (its
// listener, its webhook store) stays in its own class.
#pragma once

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "common/time.hpp"
#include "store/sql_store.hpp"
#include "store/store.hpp"

namespace skillsync::store {

template <class Pool, class Row>
class DialectStore : public SqlStore<Pool, Row> {
 public:
  Status create_task(const Task& task) override;
  Result<CreatedTask> create_task_idempotent(const Task& task, std::string_view idempotency_key,
                                             std::string_view body_sha256, Micros now) override;
  Result<TaskPage> list_tasks(std::string_view tenant, const TaskFilter& filter, size_t limit,
                              std::string_view cursor) override;
  Result<std::optional<Task>> claim_next_task(std::string_view worker_id, Micros now,
                                              Micros lease_duration) override;
  Result<Heartbeat> heartbeat(std::string_view task_id, std::string_view worker_id, Micros now,
                              Micros lease_duration) override;
  Status release_lease(std::string_view task_id, std::string_view worker_id) override;
  Status reset_load(std::string_view task_id, std::string_view worker_id) override;
  Status finish_task(std::string_view task_id, std::string_view worker_id, TaskStatus status,
                     const std::optional<TaskError>& error, const Progress& progress,
                     Micros now) override;
  Result<Task> request_cancel(std::string_view tenant, std::string_view task_id,
                              Micros now) override;

  Result<std::unique_ptr<TaskWriter>> begin_load(const Task& task,
                                                 std::string_view worker_id) override;

  Result<RecordedFile> record_file_and_create_task(const SourceFile& file,
                                                   const Task& task) override;
  Result<std::vector<SourceFile>> record_files_and_create_task(const std::vector<SourceFile>& files,
                                                               const Task& task) override;

 protected:
  using SqlStore<Pool, Row>::SqlStore;
};

}  // namespace skillsync::store
