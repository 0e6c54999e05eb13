// missive/platform/fd.hpp - Fd: the unique owner of a file descriptor.
//
// Thread safety: an Fd is a value; one thread at a time may use or move it.
// The descriptor it owns may be used from any thread (the kernel object is
// shared), but closing happens exactly once, in reset() or the destructor.
#pragma once

#include <utility>

#include "missive/core/result.hpp"

namespace missive::platform {

class Fd {
 public:
  Fd() noexcept = default;
  // Takes ownership of `fd` (-1 means "none").
  explicit Fd(int fd) noexcept : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) reset(std::exchange(other.fd_, -1));
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }

  [[nodiscard]] int get() const noexcept { return fd_; }
  [[nodiscard]] bool valid() const noexcept { return fd_ >= 0; }
  explicit operator bool() const noexcept { return valid(); }

  // Gives up ownership without closing; the caller now owns the descriptor.
  [[nodiscard]] int release() noexcept { return std::exchange(fd_, -1); }
  // Closes the current descriptor (if any) and owns `fd` instead.
  void reset(int fd = -1) noexcept;

  // A second descriptor for the same open file, close-on-exec (F_DUPFD_CLOEXEC).
  [[nodiscard]] Result<Fd> duplicate() const;

 private:
  int fd_ = -1;
};

}  // namespace missive::platform
