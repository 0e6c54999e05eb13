// missive/core/result.hpp - Result<T>: a value or an Error (a small `expected`).
//
// std::expected needs C++23 and a compiler that clang 14 (our fuzzing
// compiler) does not provide with libstdc++ 12, so missive carries this small
// subset of it. It is [[nodiscard]]: ignoring an error is a compile warning.
//
//   Result<int> r = parse(...);
//   if (!r) return r.error();          // propagate
//   use(*r);
//
// Result<void> (alias Status) is "ok or an Error".
#pragma once

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

#include "missive/core/error.hpp"

namespace missive {

template <class T>
class [[nodiscard]] Result {
  static_assert(!std::is_same_v<std::remove_cv_t<T>, Error>, "Result<Error> is ambiguous");

 public:
  using value_type = T;

  Result(const T& value) : state_(std::in_place_index<0>, value) {}  // NOLINT(google-explicit-constructor)
  Result(T&& value) noexcept(std::is_nothrow_move_constructible_v<T>)  // NOLINT(google-explicit-constructor)
      : state_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) noexcept : state_(std::in_place_index<1>, error) {  // NOLINT(google-explicit-constructor)
    assert(error.code != Errc::ok && "an error Result needs a non-ok code");
  }
  Result(Errc code) noexcept : Result(Error{code, ""}) {}  // NOLINT(google-explicit-constructor)

  template <class... Args>
  explicit Result(std::in_place_t, Args&&... args)
      : state_(std::in_place_index<0>, std::forward<Args>(args)...) {}

  [[nodiscard]] bool has_value() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  [[nodiscard]] T& value() & { return std::get<0>(state_); }
  [[nodiscard]] const T& value() const& { return std::get<0>(state_); }
  [[nodiscard]] T&& value() && { return std::get<0>(std::move(state_)); }
  T& operator*() & noexcept { return *std::get_if<0>(&state_); }
  const T& operator*() const& noexcept { return *std::get_if<0>(&state_); }
  T&& operator*() && noexcept { return std::move(*std::get_if<0>(&state_)); }
  T* operator->() noexcept { return std::get_if<0>(&state_); }
  const T* operator->() const noexcept { return std::get_if<0>(&state_); }

  template <class U>
  [[nodiscard]] T value_or(U&& fallback) const& {
    return has_value() ? **this : static_cast<T>(std::forward<U>(fallback));
  }

  // The error; Errc::ok when the Result holds a value.
  [[nodiscard]] Error error() const noexcept {
    const Error* e = std::get_if<1>(&state_);
    return e != nullptr ? *e : Error{};
  }
  [[nodiscard]] Errc code() const noexcept { return error().code; }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() noexcept = default;
  Result(Error error) noexcept : error_(error) {}           // NOLINT(google-explicit-constructor)
  Result(Errc code) noexcept : error_(Error{code, ""}) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool has_value() const noexcept { return error_.code == Errc::ok; }
  explicit operator bool() const noexcept { return has_value(); }
  [[nodiscard]] Error error() const noexcept { return error_; }
  [[nodiscard]] Errc code() const noexcept { return error_.code; }

 private:
  Error error_{};
};

using Status = Result<void>;

inline Status ok() noexcept { return {}; }

}  // namespace missive
