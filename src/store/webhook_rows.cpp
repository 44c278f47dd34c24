// The stored form of a webhook endpoint's event types (webhook_rows.hpp).
#include "store/webhook_rows.hpp"

namespace skillsync::store {

std::string join_event_types(const std::vector<std::string>& types) {
  std::string out;
  for (const auto& t : types) {
    if (!out.empty()) out += ',';
    out += t;
  }
  return out;
}

std::vector<std::string> split_event_types(std::string_view stored) {
  std::vector<std::string> out;
  while (!stored.empty()) {
    const size_t comma = stored.find(',');
    out.emplace_back(stored.substr(0, comma));
    if (comma == std::string_view::npos) break;
    stored.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace skillsync::store
