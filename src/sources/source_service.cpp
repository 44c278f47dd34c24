// sources/source_service: sources for the API (see the header).
#include "sources/source_service.hpp"

#include "common/crypto.hpp"
#include "sources/source_request.hpp"

namespace skillsync::sources {
namespace {

void make_active_now(store::Source& s, Micros now) {
  s.status = store::SourceStatus::kActive;
  s.last_error.clear();
  s.failures_since = now;
  s.next_check_at = now;
}

}  // namespace

Status SourceService::check_access(const store::Source& source,
                                   const source::s3::Credentials& creds) {
  if (!access_check_) return ok_status();
  tasks::CreateTaskRequest probe;
  probe.entity_type = source.entity_type;
  probe.method = source.method;
  probe.uri = source.uri;
  probe.region = source.region;
  probe.credentials = creds;
  if (auto st = access_check_(probe); !st.ok()) {
    return Error{Errc::kAccessCheckFailed, "the credentials cannot list " + source.uri + ": " +
                                               st.error().code + ": " + st.error().message};
  }
  return ok_status();
}

Result<store::Source> SourceService::create(std::string_view tenant, const boost::json::value& body,
                                            std::vector<schema::FieldError>* errors) {
  SKILLSYNC_ASSIGN_OR_RETURN(auto req, parse_source_request(body, nullptr, errors));
  store::Source& s = req.source;
  SKILLSYNC_TRY(check_access(s, *req.credentials));
  const Micros now = clock_.now();
  s.id = "src_" + crypto::hex(crypto::random_bytes(12));
  s.tenant = std::string(tenant);
  s.sealed_credentials = tasks::seal_credentials(key_, s.id, *req.credentials);
  s.created_at = now;
  s.updated_at = now;
  make_active_now(s, now);
  SKILLSYNC_TRY(store_.create_source(s));
  s.sealed_credentials.clear();
  if (wake_) wake_();
  return s;
}

Result<std::optional<store::Source>> SourceService::get(std::string_view tenant,
                                                        std::string_view id) {
  auto s = store_.get_source(tenant, id);
  if (s.ok() && s->has_value()) (*s)->sealed_credentials.clear();
  return s;
}

Result<store::SourcePage> SourceService::list(std::string_view tenant, size_t limit,
                                              std::string_view cursor) {
  return store_.list_sources(tenant, limit, cursor);
}

Result<std::optional<store::Source>> SourceService::update(
    std::string_view tenant, std::string_view id,
    const std::function<Status(store::Source&)>& change) {
  SKILLSYNC_ASSIGN_OR_RETURN(auto got, store_.get_source(tenant, id));
  if (!got.has_value()) return std::optional<store::Source>();
  store::Source s = std::move(*got);
  SKILLSYNC_TRY(change(s));
  const Micros now = clock_.now();
  SKILLSYNC_ASSIGN_OR_RETURN(auto updated, store_.update_source(s, now));
  if (!updated) return std::optional<store::Source>();
  s.updated_at = now;
  s.sealed_credentials.clear();
  if (wake_ && s.status == store::SourceStatus::kActive) wake_();
  return std::optional<store::Source>(std::move(s));
}

Result<std::optional<store::Source>> SourceService::patch(std::string_view tenant,
                                                          std::string_view id,
                                                          const boost::json::value& body,
                                                          std::vector<schema::FieldError>* errors) {
  return update(tenant, id, [&](store::Source& s) -> Status {
    SKILLSYNC_ASSIGN_OR_RETURN(auto req, parse_source_request(body, &s, errors));
    const int64_t old_every = s.schedule_seconds;
    std::string sealed = std::move(s.sealed_credentials);
    s = std::move(req.source);
    s.sealed_credentials = std::move(sealed);
    if (req.credentials) {
      SKILLSYNC_TRY(check_access(s, *req.credentials));
      s.sealed_credentials = tasks::seal_credentials(key_, s.id, *req.credentials);
    }
    const Micros now = clock_.now();
    if (s.status == store::SourceStatus::kError) make_active_now(s, now);
    if (s.schedule_seconds != old_every && s.status == store::SourceStatus::kActive) {
      s.next_check_at = std::min(s.next_check_at.value_or(now), now + s.schedule_seconds * 1000000);
    }
    return ok_status();
  });
}

Result<bool> SourceService::remove(std::string_view tenant, std::string_view id) {
  return store_.delete_source(tenant, id);
}

Result<std::optional<store::Source>> SourceService::pause(std::string_view tenant,
                                                          std::string_view id) {
  return update(tenant, id, [](store::Source& s) -> Status {
    s.status = store::SourceStatus::kPaused;
    return ok_status();
  });
}

Result<std::optional<store::Source>> SourceService::resume(std::string_view tenant,
                                                           std::string_view id) {
  const Micros now = clock_.now();
  return update(tenant, id, [now](store::Source& s) -> Status {
    make_active_now(s, now);
    return ok_status();
  });
}

Result<std::optional<store::Source>> SourceService::run(std::string_view tenant,
                                                        std::string_view id) {
  const Micros now = clock_.now();
  return update(tenant, id, [now](store::Source& s) -> Status {
    if (s.status != store::SourceStatus::kActive) {
      return Error{Errc::kInvalidState, "the source is " + std::string(store::to_string(s.status)) +
                                            "; resume it first"};
    }
    s.next_check_at = now;
    return ok_status();
  });
}

Result<std::optional<store::SourceFilePage>> SourceService::files(std::string_view tenant,
                                                                  std::string_view id, size_t limit,
                                                                  std::string_view cursor) {
  SKILLSYNC_ASSIGN_OR_RETURN(auto got, store_.get_source(tenant, id));
  if (!got.has_value()) return std::optional<store::SourceFilePage>();
  SKILLSYNC_ASSIGN_OR_RETURN(auto page, store_.list_source_files(id, limit, cursor));
  return std::optional<store::SourceFilePage>(std::move(page));
}

}  // namespace skillsync::sources
