// The route table: every endpoint of the API with its documentation.
#include "api/routes.hpp"

namespace skillsync::api {

namespace {

// The statuses are the ones each handler returns (api.cpp, task_routes.cpp);
// the route-walk integration test (tests/integration/openapi_test.cpp) calls
// every route and fails on a status missing here.
const std::vector<Route>& table() {
  static const std::vector<Route> kRoutes = {
      {RouteId::kHealth,
       "GET",
       "/healthz",
       Access::kPublic,
       "getHealth",
       "Health",
       "Health check (no key needed)",
       {},
       "",
       {{200, "Health"}, {503, "Unavailable"}}},
      {RouteId::kOpenApi,
       "GET",
       "/openapi.json",
       Access::kPublic,
       "getOpenApi",
       "Health",
       "This OpenAPI document (no key needed)",
       {},
       "",
       {{200, "OpenApi"}}},
      // The web console (console_handler.hpp): static files, no key. Its
      // GET /console, a 308 to /console/ for people typing the address, is
      // left out: proxies and clients follow it (prism's proxy does, and
      // would see a 200 the server never sends for that path).
      {RouteId::kConsoleIndex,
       "GET",
       "/console/",
       Access::kPublic,
       "getConsole",
       "Console",
       "The web console's page (GET /console redirects here)",
       {},
       "",
       {{200, "ConsolePage"}}},
      {RouteId::kConsoleAsset,
       "GET",
       "/console/{asset}",
       Access::kPublic,
       "getConsoleAsset",
       "Console",
       "One of the web console's files",
       {},
       "",
       {{200, "ConsoleAsset"}, {404, "NotFound"}}},
      {RouteId::kPostEvent,
       "POST",
       "/employees/{employee_external_id}/skill_events",
       Access::kWrite,
       "createSkillEvent",
       "Skill events",
       "Create or replace a skill event",
       {"language"},
       "SkillEvent",
       {{201, "Event"}, {415, "UnsupportedMediaType"}, {422, "InvalidFields"}}},
      {RouteId::kListEvents,
       "GET",
       "/employees/{employee_external_id}/skill_events",
       Access::kRead,
       "listSkillEvents",
       "Skill events",
       "List an employee's skill events (by timestamp, then external_id)",
       {"limit", "cursor"},
       "",
       {{200, "EventPage"}, {422, "InvalidFields"}}},
      {RouteId::kGetEvent,
       "GET",
       "/employees/{employee_external_id}/skill_events/{external_id}",
       Access::kRead,
       "getSkillEvent",
       "Skill events",
       "Get one skill event",
       {},
       "",
       {{200, "Event"}, {404, "NotFound"}}},
      {RouteId::kDeleteEvent,
       "DELETE",
       "/employees/{employee_external_id}/skill_events/{external_id}",
       Access::kWrite,
       "deleteSkillEvent",
       "Skill events",
       "Delete one skill event",
       {},
       "",
       {{204, "NoContent"}, {404, "NotFound"}}},
      {RouteId::kPostTask,
       "POST",
       "/integrations/file-load-tasks",
       Access::kWrite,
       "createFileLoadTask",
       "File Load Tasks",
       "Create a File Load Task (idempotent with Idempotency-Key)",
       {"IdempotencyKey"},
       "FileLoadTask",
       {{200, "TaskReplayed"},
        {201, "TaskCreated"},
        {409, "Conflict"},
        {415, "UnsupportedMediaType"},
        {422, "InvalidFields"}}},
      {RouteId::kListTasks,
       "GET",
       "/integrations/file-load-tasks",
       Access::kRead,
       "listFileLoadTasks",
       "File Load Tasks",
       "List the tenant's tasks, newest first",
       {"status", "entity_type", "limit", "cursor"},
       "",
       {{200, "TaskPage"}, {422, "InvalidFields"}}},
      {RouteId::kGetTask,
       "GET",
       "/integrations/file-load-tasks/{task_id}",
       Access::kRead,
       "getFileLoadTask",
       "File Load Tasks",
       "Get a task: status, progress, first row errors",
       {},
       "",
       {{200, "Task"}, {404, "NotFound"}}},
      {RouteId::kCancelTask,
       "POST",
       "/integrations/file-load-tasks/{task_id}/cancel",
       Access::kWrite,
       "cancelFileLoadTask",
       "File Load Tasks",
       "Cancel a task",
       {},
       "",
       {{202, "TaskCancelled"}, {404, "NotFound"}, {409, "Conflict"}}},
      {RouteId::kTaskErrors,
       "GET",
       "/integrations/file-load-tasks/{task_id}/errors",
       Access::kRead,
       "getFileLoadTaskErrors",
       "File Load Tasks",
       "A task's rejected rows: JSON pages, or the whole report as CSV (Accept: text/csv)",
       {"limit", "cursor"},
       "",
       {{200, "ErrorReport"}, {404, "NotFound"}, {422, "InvalidFields"}}},
      // Recurring sources (source_routes.cpp).
      {RouteId::kPostSource,
       "POST",
       "/integrations/sources",
       Access::kWrite,
       "createSource",
       "Sources",
       "Create a recurring source: every new object under a prefix loads once",
       {},
       "Source",
       {{201, "SourceCreated"}, {415, "UnsupportedMediaType"}, {422, "InvalidFields"}}},
      {RouteId::kListSources,
       "GET",
       "/integrations/sources",
       Access::kRead,
       "listSources",
       "Sources",
       "List the tenant's sources, newest first",
       {"limit", "cursor"},
       "",
       {{200, "SourcePage"}, {422, "InvalidFields"}}},
      {RouteId::kPauseSource,
       "POST",
       "/integrations/sources/{source_id}/pause",
       Access::kWrite,
       "pauseSource",
       "Sources",
       "Pause a source: no checks until resumed",
       {},
       "",
       {{200, "Source"}, {404, "NotFound"}}},
      {RouteId::kResumeSource,
       "POST",
       "/integrations/sources/{source_id}/resume",
       Access::kWrite,
       "resumeSource",
       "Sources",
       "Resume a paused source, or one in error; a check runs at once",
       {},
       "",
       {{200, "Source"}, {404, "NotFound"}}},
      {RouteId::kRunSource,
       "POST",
       "/integrations/sources/{source_id}/run",
       Access::kWrite,
       "runSource",
       "Sources",
       "Check an active source now",
       {},
       "",
       {{202, "SourceCheckDue"}, {404, "NotFound"}, {409, "Conflict"}}},
      {RouteId::kSourceFiles,
       "GET",
       "/integrations/sources/{source_id}/files",
       Access::kRead,
       "listSourceFiles",
       "Sources",
       "The ledger: every object version the source has seen, loaded or skipped",
       {"limit", "cursor"},
       "",
       {{200, "SourceFilePage"}, {404, "NotFound"}, {422, "InvalidFields"}}},
      {RouteId::kGetSource,
       "GET",
       "/integrations/sources/{source_id}",
       Access::kRead,
       "getSource",
       "Sources",
       "Get a source: status, last and next check, last error",
       {},
       "",
       {{200, "Source"}, {404, "NotFound"}}},
      {RouteId::kPatchSource,
       "PATCH",
       "/integrations/sources/{source_id}",
       Access::kWrite,
       "updateSource",
       "Sources",
       "Change a source (a source in error becomes active again)",
       {},
       "SourcePatch",
       {{200, "Source"}, {404, "NotFound"}, {415, "UnsupportedMediaType"}, {422, "InvalidFields"}}},
      {RouteId::kDeleteSource,
       "DELETE",
       "/integrations/sources/{source_id}",
       Access::kWrite,
       "deleteSource",
       "Sources",
       "Delete a source and its ledger (its tasks stay)",
       {},
       "",
       {{204, "NoContent"}, {404, "NotFound"}}},
  };
  return kRoutes;
}

// Whether the path template `path` matches `segments`: literal segments
// compare equal, a {parameter} segment matches any one segment.
bool path_matches(std::string_view path, std::span<const std::string> segments) {
  size_t i = 0;
  path.remove_prefix(1);  // the leading '/'
  while (true) {
    const size_t slash = path.find('/');
    const std::string_view part = path.substr(0, slash);
    if (i >= segments.size()) return false;
    const bool param = part.size() >= 2 && part.front() == '{' && part.back() == '}';
    if (!param && part != segments[i]) return false;
    ++i;
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return i == segments.size();
}

}  // namespace

std::span<const Route> routes() { return table(); }

RouteMatch match_route(std::string_view method, std::span<const std::string> segments) {
  RouteMatch m;
  for (const Route& r : table()) {
    if (!path_matches(r.path, segments)) continue;
    m.path_known = true;
    if (r.method == method) {
      m.route = &r;
      return m;
    }
  }
  return m;
}

}  // namespace skillsync::api
