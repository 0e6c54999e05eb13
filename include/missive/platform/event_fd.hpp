// missive/platform/event_fd.hpp - EventFd: a counter the kernel can poll.
//
// An eventfd lets one thread wait on many sources at once with poll/epoll:
// shared-memory endpoints signal their EventFd, sockets are readable, and one
// epoll_wait covers both. The descriptor is non-blocking and close-on-exec.
//
// Thread safety: signal() and consume calls may come from any thread or, once
// the descriptor is passed on, any process.
#pragma once

#include <cstdint>
#include <utility>

#include "missive/core/deadline.hpp"
#include "missive/core/result.hpp"
#include "missive/platform/fd.hpp"

namespace missive::platform {

class EventFd {
 public:
  [[nodiscard]] static Result<EventFd> create(std::uint32_t initial = 0);

  // Adds `n` (> 0) to the counter and makes the descriptor readable.
  [[nodiscard]] Status signal(std::uint64_t n = 1) const noexcept;
  // Takes the whole counter, resetting it to zero; would_block when it is zero.
  [[nodiscard]] Result<std::uint64_t> try_consume() const noexcept;
  // Takes the whole counter, waiting for it to become non-zero until the deadline.
  [[nodiscard]] Result<std::uint64_t> consume(Deadline deadline) const noexcept;

  // For poll/epoll: readable while the counter is non-zero.
  [[nodiscard]] const Fd& fd() const noexcept { return fd_; }

 private:
  explicit EventFd(Fd fd) noexcept : fd_(std::move(fd)) {}
  Fd fd_;
};

}  // namespace missive::platform
