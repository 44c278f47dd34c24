// Result<T>: the value of an operation that can fail in an expected way.
//
// Expected failures (bad input, a missing object, a refused credential) are
// values, not exceptions. An Error carries a stable snake_case or S3-style
// `code` that callers may branch on, and a human `message` that must never
// contain a secret.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "common/errc.hpp"

namespace skillsync {

struct Error {
  std::string code;     // stable, machine readable ("not_found", "NoSuchKey", ...)
  std::string message;  // for people; never contains a secret

  Error() = default;
  Error(std::string c, std::string m) : code(std::move(c)), message(std::move(m)) {}
  Error(Errc c, std::string m) : code(errc_name(c)), message(std::move(m)) {}

  // True when this error carries the code of `c`: how callers branch.
  bool is(Errc c) const { return code == errc_name(c); }
  bool operator==(const Error&) const = default;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // REQUIRES: ok()
  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  // REQUIRES: !ok()
  const Error& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success carries nothing.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const {
    assert(!ok_);
    return error_;
  }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

inline Status ok_status() { return {}; }

}  // namespace skillsync

// SKILLSYNC_ASSIGN_OR_RETURN(decl, expr): evaluates `expr` (a Result<T>);
// when it failed, returns its Error from the current function (whose return
// type takes an Error); otherwise declares `decl` from the moved-out value:
//   SKILLSYNC_ASSIGN_OR_RETURN(auto task, store.get_task(id));  // task: Task
#define SKILLSYNC_ASSIGN_OR_RETURN(decl, ...) \
  SKILLSYNC_ASSIGN_OR_RETURN_IMPL_(SKILLSYNC_CONCAT_(skillsync_aor_, __LINE__), decl, __VA_ARGS__)
#define SKILLSYNC_CONCAT_INNER_(a, b) a##b
#define SKILLSYNC_CONCAT_(a, b) SKILLSYNC_CONCAT_INNER_(a, b)
#define SKILLSYNC_ASSIGN_OR_RETURN_IMPL_(tmp, decl, ...) \
  auto tmp = (__VA_ARGS__);                              \
  if (!tmp.ok()) return tmp.error();                     \
  decl = std::move(tmp).value()

// Propagates a failed Result<...> from the current function.
#define SKILLSYNC_TRY(expr)                                                \
  do {                                                                     \
    auto&& skillsync_try_result_ = (expr);                                 \
    if (!skillsync_try_result_.ok()) return skillsync_try_result_.error(); \
  } while (0)
