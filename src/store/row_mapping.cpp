// The non-template parts of row_mapping.hpp.
#include "store/row_mapping.hpp"

#include "store/cursor.hpp"

namespace skillsync::store {

namespace {

// The page of a list whose cursor set_next_cursor() writes.
template <class Page, class T>
Page keyset_page(std::vector<T> rows, size_t limit) {
  Page page;
  const bool more = rows.size() > limit;
  if (more) rows.resize(limit);
  page.items = std::move(rows);
  if (more) set_next_cursor(page);
  return page;
}

}  // namespace

EventPage event_page(std::vector<StoredEvent> rows, size_t limit) {
  return keyset_page<EventPage>(std::move(rows), limit);
}

TaskPage task_page(std::vector<Task> rows, size_t limit) {
  for (Task& t : rows) t.sealed_credentials.clear();  // a listing never needs them
  return keyset_page<TaskPage>(std::move(rows), limit);
}

SourcePage source_page(std::vector<Source> rows, size_t limit) {
  for (Source& x : rows) x.sealed_credentials.clear();
  return make_page<SourcePage>(std::move(rows), limit, [](const Source& last) {
    return encode_task_cursor(last.created_at, last.id);
  });
}

WebhookEndpointPage endpoint_page(std::vector<WebhookEndpoint> rows, size_t limit) {
  return make_page<WebhookEndpointPage>(std::move(rows), limit, [](const WebhookEndpoint& last) {
    return encode_task_cursor(last.created_at, last.id);
  });
}

std::vector<TaskStatus> known_task_statuses(const std::vector<std::string>& names) {
  std::vector<TaskStatus> out;
  for (const std::string& name : names) {
    if (auto st = task_status_from_string(name)) out.push_back(*st);
  }
  return out;
}

}  // namespace skillsync::store
