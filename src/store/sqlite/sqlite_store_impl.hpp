// SqliteStore: the Store over one SQLite file. Internal to src/store/sqlite;
// the public entry point is open_sqlite_store() in sqlite_store.hpp.
//
// The implementation is split by responsibility: sqlite_store.cpp (opening,
// events, API keys), sqlite_tasks.cpp (tasks and row errors) and
// task_writer.cpp (staging and publishing loads).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/time.hpp"
#include "store/sqlite/pool.hpp"
#include "store/store.hpp"

namespace skillsync::store::sqlite {

class SqliteStore final : public Store {
 public:
  SqliteStore(std::string path, const Clock& clock) : pool_(std::move(path)), clock_(clock) {}

  Result<StoredEvent> upsert_event(std::string_view tenant, const schema::Event& e) override;
  Result<std::optional<StoredEvent>> get_event(std::string_view tenant,
                                               std::string_view employee_external_id,
                                               std::string_view external_id) override;
  Result<bool> delete_event(std::string_view tenant, std::string_view employee_external_id,
                            std::string_view external_id) override;
  Result<EventPage> list_events(std::string_view tenant, std::string_view employee_external_id,
                                size_t limit, std::string_view cursor) override;

  Status add_api_key(const ApiKey& key, std::string_view key_hash) override;
  Result<std::optional<ApiKey>> find_api_key(std::string_view key_hash) override;
  Result<uint64_t> count_api_keys() override;

  Status create_task(const Task& task) override;
  Result<std::optional<Task>> get_task(std::string_view tenant, std::string_view id) override;
  Result<std::optional<Task>> claim_next_task(std::string_view worker_id, Micros now) override;
  Result<uint64_t> requeue_running_tasks() override;
  Status update_progress(std::string_view task_id, const Progress& progress) override;
  Status finish_task(std::string_view task_id, TaskStatus status,
                     const std::optional<TaskError>& error, const Progress& progress,
                     Micros now) override;
  Result<std::vector<RowError>> row_errors(std::string_view task_id, size_t limit) override;

  Result<std::unique_ptr<TaskWriter>> begin_load(const Task& task) override;

  ConnectionPool& pool() { return pool_; }
  const Clock& clock() const { return clock_; }

 private:
  ConnectionPool pool_;
  const Clock& clock_;
};

// The staging table of a task: "stage_" + hex of the task id, so any id
// yields a valid identifier without quoting games.
std::string stage_table_name(std::string_view task_id);

// Drops the task's staging table if there is one.
Status drop_stage(Db& db, std::string_view task_id);

// Binds the five progress counters to parameters first..first+4.
void bind_progress(Stmt& s, int first, const Progress& p);

}  // namespace skillsync::store::sqlite
