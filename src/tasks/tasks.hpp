// tasks: File Load Tasks — accepting them, and running them.
//
//   parse_create_request  validates a POST /integrations/file-load-tasks body
//   TaskService           creates tasks (credentials sealed with the master
//                         key, bound to the task id) and reads their status
//   LoadPipeline          runs one task: object -> CSV records -> events ->
//                         staged batches -> one atomic publish
//   WorkerPool            N threads that claim pending tasks and run them
//
// Credentials are opened only inside the worker that runs the task, live in
// SecretString while used, and are erased from storage when the task ends
// (the store does that as part of publish/finish).
#pragma once

#include <atomic>
#include <boost/json/value.hpp>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/byte_reader.hpp"
#include "common/cancel.hpp"
#include "common/result.hpp"
#include "common/secret.hpp"
#include "common/time.hpp"
#include "schema/schema.hpp"
#include "source/s3/s3.hpp"
#include "store/store.hpp"
#include "tasks/load_options.hpp"

namespace skillsync::tasks {

inline constexpr std::string_view kMethodS3IamUser = "s3_iam_user";

struct CreateTaskRequest {
  std::string entity_type;
  std::string method;
  std::string uri;
  std::string region;  // "" = server default
  source::s3::Credentials credentials;
  LoadOptions options;
};

// Validates a create body. On failure returns Error{"invalid_fields"} and
// appends one FieldError per problem (field path, code, message) to `errors`.
Result<CreateTaskRequest> parse_create_request(const boost::json::value& body,
                                               std::vector<schema::FieldError>* errors);

// The 32-byte key that seals task credentials at rest.
class MasterKey {
 public:
  // REQUIRES: bytes.size() == 32
  explicit MasterKey(SecretString bytes) : bytes_(std::move(bytes)) {}
  // Reads the key file, or creates it (mode 0600, 32 random bytes) when absent.
  static Result<MasterKey> load_or_create(const std::string& path);
  const std::string& bytes() const { return bytes_.reveal(); }

 private:
  SecretString bytes_;
};

std::string seal_credentials(const MasterKey& key, std::string_view task_id,
                             const source::s3::Credentials& creds);
Result<source::s3::Credentials> open_credentials(const MasterKey& key, std::string_view task_id,
                                                 std::string_view sealed);

class TaskService {
 public:
  TaskService(store::Store& store, const MasterKey& key, const Clock& clock)
      : store_(store), key_(key), clock_(clock) {}

  // Persists a new pending task and returns it (without credentials).
  Result<store::Task> create(std::string_view tenant, CreateTaskRequest request);
  Result<std::optional<store::Task>> get(std::string_view tenant, std::string_view task_id);

 private:
  store::Store& store_;
  const MasterKey& key_;
  const Clock& clock_;
};

// Where a task's bytes come from. The S3 implementation is the real one;
// tests substitute fakes to drive fault paths.
class ObjectOpener {
 public:
  virtual ~ObjectOpener() = default;
  struct Opened {
    std::unique_ptr<ByteReader> reader;
    uint64_t size = 0;
  };
  virtual Result<Opened> open(const store::Task& task,
                              const source::s3::Credentials& credentials) = 0;
};

// Opens s3://bucket/key with the task's credentials and region (or the
// configured default region).
std::unique_ptr<ObjectOpener> make_s3_opener(source::s3::ClientConfig base_config);

struct PipelineConfig {
  size_t batch_rows = 20000;  // rows per staged transaction
  size_t max_row_errors_per_batch = 20000;
};

// Runs one claimed task to its end state. Never throws; every outcome is
// written to the store (completed, completed_with_errors or failed).
class LoadPipeline {
 public:
  LoadPipeline(store::Store& store, ObjectOpener& opener, const MasterKey& key, const Clock& clock,
               PipelineConfig config = {})
      : store_(store), opener_(opener), key_(key), clock_(clock), config_(config) {}

  // Returns the task's final status, or kRunning when `stop` interrupted it
  // (the task is then left running in the store, to be requeued on restart).
  store::TaskStatus run(const store::Task& task, const CancellationToken& stop);

 private:
  store::Store& store_;
  ObjectOpener& opener_;
  const MasterKey& key_;
  const Clock& clock_;
  PipelineConfig config_;
};

struct WorkerPoolConfig {
  int workers = 2;
  std::chrono::milliseconds idle_poll{200};
  PipelineConfig pipeline;
};

// Threads that claim pending tasks and run them until stop().
class WorkerPool {
 public:
  WorkerPool(store::Store& store, ObjectOpener& opener, const MasterKey& key, const Clock& clock,
             WorkerPoolConfig config);
  ~WorkerPool();
  void start();
  // Wakes an idle worker (a task was just created).
  void notify();
  // Stops claiming and joins the threads (running tasks finish first).
  void stop();

 private:
  void loop(int index);

  store::Store& store_;
  ObjectOpener& opener_;
  const MasterKey& key_;
  const Clock& clock_;
  WorkerPoolConfig config_;
  std::vector<std::thread> threads_;
  CancellationToken stop_token_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  uint64_t wakeups_ = 0;
};

}  // namespace skillsync::tasks
