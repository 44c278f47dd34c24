// TaskListener: the thread behind Store::set_task_listener for PostgreSQL.
//
// While a callback is set, one thread holds its own connection (not from
// the pool), LISTENs on the task channel and calls the callback for every
// notification. It waits with poll() on the connection's socket and on a
// wake-up pipe, so set() and the destructor stop it at once. A lost
// connection is reopened with a backoff (100 ms doubling to 5 s); after a
// reconnect the callback is called once, since notifications sent while
// the connection was down are lost.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "store/postgres/pool.hpp"

namespace skillsync::store::postgres {

class TaskListener {
 public:
  explicit TaskListener(const ConnectionPool& pool) : pool_(pool) {}
  ~TaskListener() { set({}); }
  TaskListener(const TaskListener&) = delete;
  TaskListener& operator=(const TaskListener&) = delete;

  // Stops and joins the running thread (if any); then, if `callback` is not
  // empty, starts a new one calling it. Not to be called from the callback.
  void set(std::function<void()> callback);

 private:
  void run(const std::function<void()>& callback, int wake_fd);
  // Waits up to `ms` for the wake-up pipe; true when asked to stop.
  static bool stop_requested(int wake_fd, int ms);

  const ConnectionPool& pool_;
  std::mutex mu_;  // serializes set()
  std::thread thread_;
  int wake_read_ = -1;
  int wake_write_ = -1;
};

}  // namespace skillsync::store::postgres
