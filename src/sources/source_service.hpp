// sources/source_service: the only door to sources for the API: create,
// read, list, patch, delete, pause, resume, run, and the ledger.
//
// Credentials are sealed with the master key bound to the source id (like a
// task's, tasks::seal_credentials) and never returned: every Source this
// service returns has sealed_credentials cleared. Each task a check creates
// gets the credentials resealed for its own id.
//
// Status: pause -> "paused" (no checks); resume, and any PATCH of a source
// in "error", -> "active" with last_error cleared, failures counted afresh
// and a check due at once; run -> a check due at once (an active source).
#pragma once

#include <boost/json/value.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "common/time.hpp"
#include "schema/schema.hpp"
#include "store/store.hpp"
#include "tasks/task_service.hpp"

namespace skillsync::sources {

class SourceService {
 public:
  // `access_check` (may be empty) checks at create, and when a PATCH gives
  // new credentials, that they may list the prefix. `wake` (may be empty)
  // tells the local scheduler that a check may be due.
  SourceService(store::Store& store, const tasks::MasterKey& key, const Clock& clock,
                tasks::AccessCheck access_check, std::function<void()> wake)
      : store_(store),
        key_(key),
        clock_(clock),
        access_check_(std::move(access_check)),
        wake_(std::move(wake)) {}

  // Errors: "invalid_fields" (details in `errors`), "access_check_failed"
  // (message says why), the store's codes.
  Result<store::Source> create(std::string_view tenant, const boost::json::value& body,
                               std::vector<schema::FieldError>* errors);
  Result<std::optional<store::Source>> get(std::string_view tenant, std::string_view id);
  Result<store::SourcePage> list(std::string_view tenant, size_t limit, std::string_view cursor);
  // std::nullopt: no such source.
  Result<std::optional<store::Source>> patch(std::string_view tenant, std::string_view id,
                                             const boost::json::value& body,
                                             std::vector<schema::FieldError>* errors);
  Result<bool> remove(std::string_view tenant, std::string_view id);
  Result<std::optional<store::Source>> pause(std::string_view tenant, std::string_view id);
  Result<std::optional<store::Source>> resume(std::string_view tenant, std::string_view id);
  // "invalid_state" when the source is paused or in error.
  Result<std::optional<store::Source>> run(std::string_view tenant, std::string_view id);
  // std::nullopt: no such source.
  Result<std::optional<store::SourceFilePage>> files(std::string_view tenant, std::string_view id,
                                                     size_t limit, std::string_view cursor);

 private:
  Status check_access(const store::Source& source, const source::s3::Credentials& creds);
  Result<std::optional<store::Source>> update(std::string_view tenant, std::string_view id,
                                              const std::function<Status(store::Source&)>& change);

  store::Store& store_;
  const tasks::MasterKey& key_;
  const Clock& clock_;
  tasks::AccessCheck access_check_;
  std::function<void()> wake_;
};

}  // namespace skillsync::sources
