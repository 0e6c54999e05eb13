// missive/service/call_error.hpp - what a failed call reports, and CallResult<T>.
//
// A call can fail on this side (timed_out, peer_died, too_large: static
// details, like every missive Error) or in the server (its handler's own
// words, which arrive as text). CallError carries both kinds with an owned
// detail string; calls are setup-tier code, so the allocation is fine.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "missive/core/error.hpp"

namespace missive::service {

struct CallError {
  Errc code = Errc::ok;
  std::string detail;

  CallError() = default;
  CallError(Errc c, std::string d) : code(c), detail(std::move(d)) {}
  CallError(const Error& e) : code(e.code), detail(e.detail == nullptr ? "" : e.detail) {}  // NOLINT: implicit on purpose

  // "deadlock: cycle a -> b -> a"
  [[nodiscard]] std::string message() const {
    std::string text(name(code));
    if (!detail.empty()) text += ": " + detail;
    return text;
  }
  friend bool operator==(const CallError& e, Errc c) noexcept { return e.code == c; }
};

// A value or a CallError (the shape of Result<T>, with an owned detail).
template <class T>
class [[nodiscard]] CallResult {
 public:
  CallResult(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit like Result
  CallResult(CallError error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT
  CallResult(const Error& error) : state_(std::in_place_index<1>, CallError(error)) {}  // NOLINT

  [[nodiscard]] bool has_value() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }
  [[nodiscard]] T& value() & { return std::get<0>(state_); }
  [[nodiscard]] const T& value() const& { return std::get<0>(state_); }
  [[nodiscard]] T&& value() && { return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  [[nodiscard]] const CallError& error() const& { return std::get<1>(state_); }

 private:
  std::variant<T, CallError> state_;
};

using Bytes = std::vector<std::byte>;  // message bodies

struct Done {};  // the value of a call that returns nothing (CallResult<Done>)

}  // namespace missive::service
