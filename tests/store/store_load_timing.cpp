// Timing of the load path: stages N learning events in batches and publishes
// them. Not a test (nothing asserts on time); run it on a Release build:
//   store_load_timing [rows=1000000] [batch=20000] [dir=/tmp] [loads=1]
// With loads > 1 the same rows are loaded again by a new task each time (a
// reload: every key is already there, all updates).
// It takes the durable path: a claim under a lease, a fenced writer and a
// checkpoint with every batch.
// Besides wall time it prints the process CPU time of each phase, which a
// busy machine disturbs far less than wall time.
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "store/sqlite/sqlite_store.hpp"

using namespace skillsync;
using Seconds = std::chrono::duration<double>;

namespace {

// Rows shaped like a learning CSV: 10k employees interleaved (so the file is
// not sorted by key), unique external ids, ~150 bytes of JSON content.
void fill_batch(std::vector<schema::Event>& batch, size_t first, size_t n) {
  batch.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const size_t row = first + i;
    schema::Event& e = batch[i];
    e.employee_external_id = "employee-" + std::to_string(row % 10007);
    e.external_id = "learning-" + std::to_string(row);
    e.event_type = "learning";
    e.timestamp = 1'600'000'000'000'000 + static_cast<Micros>(row) * 1'000'000;
    e.language = "en";
    e.content_json = R"({"course_id":"course-)" + std::to_string(row % 5000) +
                     R"(","learning_title":"Introduction to distributed systems, part )" +
                     std::to_string(row % 12) + R"(","learning_description":"Video course"})";
    e.source = "lms";
  }
}

}  // namespace

// Stages `rows` rows in batches and publishes them as task number `load`.
int load_once(store::Store& s, int load, size_t rows, size_t batch_size,
              const std::string& worker) {
  store::Task task;
  task.id = "timing-task-" + std::to_string(load);
  task.entity_type = "learning";
  task.method = "s3";
  task.uri = "s3://bucket/learning.csv";
  if (!s.create_task(task).ok()) return 1;

  auto claimed = s.claim_next_task(worker, SystemClock::instance().now(), 3600'000'000);
  if (!claimed.ok() || !claimed->has_value()) return 1;
  task = **claimed;

  std::vector<schema::Event> batch;
  Seconds fill{0}, stage{0};
  double stage_cpu = 0;
  auto w = s.begin_load(task, worker);
  if (!w.ok()) return 1;
  store::Checkpoint checkpoint;
  checkpoint.header_json = R"(["employee_external_id","external_id","timestamp","course_id"])";
  store::Progress& progress = checkpoint.progress;
  for (size_t first = 0; first < rows; first += batch_size) {
    const size_t n = std::min(batch_size, rows - first);
    auto t0 = std::chrono::steady_clock::now();
    fill_batch(batch, first, n);
    auto t1 = std::chrono::steady_clock::now();
    const std::clock_t c1 = std::clock();
    progress.rows_read += n;
    progress.rows_loaded += n;
    checkpoint.byte_offset += n * 150;
    checkpoint.line += n;
    ++checkpoint.batches;
    auto st = (*w)->stage(batch, {}, checkpoint);
    if (!st.ok()) {
      std::fprintf(stderr, "stage: %s\n", st.error().message.c_str());
      return 1;
    }
    stage_cpu += double(std::clock() - c1) / CLOCKS_PER_SEC;
    auto t2 = std::chrono::steady_clock::now();
    fill += t1 - t0;
    stage += t2 - t1;
  }
  auto p0 = std::chrono::steady_clock::now();
  const std::clock_t pc0 = std::clock();
  auto written = (*w)->publish(store::TaskStatus::kCompleted, progress);
  const double publish_cpu = double(std::clock() - pc0) / CLOCKS_PER_SEC;
  auto p1 = std::chrono::steady_clock::now();
  if (!written.ok()) {
    std::fprintf(stderr, "publish: %s\n", written.error().message.c_str());
    return 1;
  }
  const Seconds publish = p1 - p0;
  std::printf("load %d: rows %zu, batch %zu\n", load, rows, batch_size);
  std::printf("stage   %.3f s (%.0f rows/s), cpu %.3f s\n", stage.count(), rows / stage.count(),
              stage_cpu);
  std::printf("publish %.3f s (%.0f rows/s), cpu %.3f s, %llu written\n", publish.count(),
              rows / publish.count(), publish_cpu,
              static_cast<unsigned long long>(written.value()));
  std::printf("total   %.3f s (row generation %.3f s not counted)\n", (stage + publish).count(),
              fill.count());
  return 0;
}

int main(int argc, char** argv) {
  const size_t rows = argc > 1 ? std::stoul(argv[1]) : 1'000'000;
  const size_t batch_size = argc > 2 ? std::stoul(argv[2]) : 20'000;
  std::string tmpl =
      ((argc > 3 ? std::filesystem::path(argv[3]) : std::filesystem::temp_directory_path()) /
       "skillsync-timing-XXXXXX")
          .string();
  if (mkdtemp(tmpl.data()) == nullptr) return 1;
  const std::string path = tmpl + "/skillsync.db";
  const std::string worker = "timing-worker";

  auto opened = store::open_sqlite_store(path);
  if (!opened.ok()) {
    std::fprintf(stderr, "%s\n", opened.error().message.c_str());
    return 1;
  }
  const int loads = argc > 4 ? std::stoi(argv[4]) : 1;
  for (int load = 1; load <= loads; ++load) {
    if (int rc = load_once(*opened.value(), load, rows, batch_size, worker); rc != 0) return rc;
  }
  std::printf("file    %.1f MB\n", std::filesystem::file_size(path) / 1e6);
  std::filesystem::remove_all(tmpl);
  return 0;
}
