// Lookups in the entity registry (entities.cpp), the checks a definition
// must pass, and the content JSON writer.
#include <cstring>

#include "schema/checks.hpp"

namespace skillsync::schema {

namespace {

// Which bytes need escaping inside a JSON string: '"', '\\' and controls.
struct EscapeTable {
  bool needs[256] = {};
  constexpr EscapeTable() {
    for (int c = 0; c < 0x20; ++c) needs[c] = true;
    needs[static_cast<unsigned char>('"')] = true;
    needs[static_cast<unsigned char>('\\')] = true;
  }
};
constexpr EscapeTable kEscape;

}  // namespace

Status check_entity_def(const EntityDef& entity) {
  auto bad = [&](const std::string& why) {
    return Error{"invalid_entity", "entity '" + entity.event_type + "': " + why};
  };
  if (entity.event_type.empty()) return bad("event_type is empty");
  if (entity.content_fields.empty() || entity.content_fields.size() > kMaxContentFields) {
    return bad("needs 1-64 content fields");
  }
  for (size_t i = 0; i < entity.content_fields.size(); ++i) {
    const FieldDef& f = entity.content_fields[i];
    const std::string& name = f.name;
    if (name.empty()) return bad("a content field has no name");
    if (internal::is_top_level_name(name)) return bad("'" + name + "' clashes with a column");
    // The CSV error report appends error_file, error_line, ... to a file's
    // columns and HeaderBinding drops a trailing block of them; a content
    // field of that shape would be confused with the report's own columns.
    if (name.starts_with(kErrorColumnPrefix)) {
      return bad("'" + name + "' starts with '" + std::string(kErrorColumnPrefix) +
                 "', which the error report's columns use");
    }
    for (size_t j = 0; j < i; ++j) {
      if (entity.content_fields[j].name == name) return bad("'" + name + "' is defined twice");
    }
    if ((f.type == FieldType::kEnum) != !f.allowed_values.empty()) {
      return bad("'" + name + "': allowed_values are for kEnum fields, and kEnum needs them");
    }
    for (size_t a = 0; a < f.allowed_values.size(); ++a) {
      if (f.allowed_values[a].empty()) return bad("'" + name + "' allows an empty value");
      for (size_t b = 0; b < a; ++b) {
        if (f.allowed_values[a] == f.allowed_values[b]) {
          return bad("'" + name + "' allows '" + f.allowed_values[a] + "' twice");
        }
      }
    }
    internal::Checked c;
    if (!f.example.empty() && internal::check_value(f, f.example, c) != internal::Fail::kNone) {
      return bad("'" + name + "': the example " + internal::fail_message(name, f, f.example, c));
    }
  }
  for (const auto& group : entity.one_of) {
    if (group.empty()) return bad("a one_of group is empty");
    if (internal::group_mask(entity, group) == 0) {
      return bad("a one_of group names an unknown content field");
    }
    for (const std::string& name : group) {
      if (entity.content_fields[internal::content_index(entity, name)].required) {
        return bad("'" + name + "' is required and also in a one_of group");
      }
    }
  }
  for (const DateRange& r : entity.date_ranges) {
    const int a = internal::content_index(entity, r.earlier);
    const int b = internal::content_index(entity, r.later);
    if (a < 0 || b < 0 || a == b || entity.content_fields[a].type != FieldType::kDate ||
        entity.content_fields[b].type != FieldType::kDate) {
      return bad("date range '" + r.earlier + "' <= '" + r.later +
                 "' needs two different kDate content fields");
    }
  }
  return ok_status();
}

const EntityDef* find_entity(std::string_view event_type) {
  for (const EntityDef& e : internal::registry()) {
    if (e.event_type == event_type) return &e;
  }
  return nullptr;
}

std::span<const EntityDef> all_entities() { return internal::registry(); }

namespace internal {

bool is_top_level_name(std::string_view name) {
  return name == kEmployeeExternalId || name == kLanguage || name == kExternalId ||
         name == kTimestamp || name == kSource || name == kEventType;
}

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  if ((json_scan(s) & kScanEscape) == 0) {  // nothing to escape: one copy
    out.append(s);
    out.push_back('"');
    return;
  }
  size_t run = 0;  // start of the pending run of bytes that need no escape
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (!kEscape.needs[c]) continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      case '\b':
        out.append("\\b");
        break;
      case '\f':
        out.append("\\f");
        break;
      default: {
        const char u[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
        out.append(u, sizeof u);
      }
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

int content_index(const EntityDef& e, std::string_view name) {
  for (size_t i = 0; i < e.content_fields.size(); ++i) {
    if (e.content_fields[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

void append_content_member(std::string& out, bool first, const FieldDef& f, std::string_view v,
                           const Checked& c) {
  if (c.plain && (json_scan(f.name) & kScanEscape) == 0) {
    // The common case in one step: ,"name":"value" copied into place.
    const size_t at = out.size();
    out.resize(at + (first ? 0 : 1) + f.name.size() + v.size() + 5);
    char* p = out.data() + at;
    if (!first) *p++ = ',';
    *p++ = '"';
    std::memcpy(p, f.name.data(), f.name.size());
    p += f.name.size();
    std::memcpy(p, "\":\"", 3);
    p += 3;
    std::memcpy(p, v.data(), v.size());
    p[v.size()] = '"';
    return;
  }
  if (!first) out.push_back(',');
  append_json_string(out, f.name);
  out.push_back(':');
  if (f.type == FieldType::kTimestamp) {
    out.push_back('"');
    append_rfc3339(out, c.micros);
    out.push_back('"');
  } else if (c.plain) {
    out.push_back('"');
    out.append(v);
    out.push_back('"');
  } else {
    append_json_string(out, v);
  }
}

std::string describe_one_of(const EntityDef& e) {
  std::string out;
  for (size_t g = 0; g < e.one_of.size(); ++g) {
    if (g > 0) out += " | ";
    for (size_t i = 0; i < e.one_of[g].size(); ++i) {
      if (i > 0) out += '+';
      out += e.one_of[g][i];
    }
  }
  return out;
}

uint64_t group_mask(const EntityDef& e, const std::vector<std::string>& group) {
  uint64_t mask = 0;
  for (const std::string& name : group) {
    bool found = false;
    for (size_t i = 0; i < e.content_fields.size() && i < kMaxContentFields; ++i) {
      if (e.content_fields[i].name == name) {
        mask |= uint64_t{1} << i;
        found = true;
      }
    }
    if (!found) return 0;
  }
  return mask;
}

}  // namespace internal
}  // namespace skillsync::schema
