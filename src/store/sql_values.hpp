// Call arguments -> statement parameters, for the one-statement helpers of
// both backends' pools (postgres::ConnectionPool and sqlite::ConnectionPool
// one/all/run): each argument binds as the next parameter, strings as text,
// integers as int64, optional strings and integers as their value or NULL,
// and a struct's many fields (row_params.hpp) as Fields. Internal to
// src/store.
//
// Templates over the backend's parameter type (sqlite::Query,
// postgres::Params). PostgreSQL's Params keep views, not copies: the
// arguments must outlive the statement's run (they do when they are the
// arguments of the pool call).
#pragma once

#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace skillsync::store {

template <class Params>
void bind_value(Params& p, std::string_view v) {
  p.text(v);
}
template <class Params>
void bind_value(Params& p, int64_t v) {
  p.int64(v);
}
// Templates so that only an optional itself matches (a string converts to
// std::optional<std::string> too).
template <class Params, std::same_as<std::string> T>
void bind_value(Params& p, const std::optional<T>& v) {
  p.optional_text(v);
}
template <class Params, std::same_as<int64_t> T>
void bind_value(Params& p, const std::optional<T>& v) {
  p.optional_int64(v);
}

// A struct's fields as a run of parameters, for a statement that takes
// them with other arguments: `bind(params)` binds them in order (a
// row_params.hpp binder, e.g. `Fields{[&](auto& p) -> auto& { return
// bind_progress(p, progress); }}`). Made and used within one pool call.
template <class Bind>
struct Fields {
  Bind bind;
};
template <class Params, class Bind>
void bind_value(Params& p, const Fields<Bind>& fields) {
  fields.bind(p);
}

// Binds `args` in order; returns `p`.
template <class Params, class... Args>
Params& bind_values(Params& p, const Args&... args) {
  (bind_value(p, args), ...);
  return p;
}

}  // namespace skillsync::store
