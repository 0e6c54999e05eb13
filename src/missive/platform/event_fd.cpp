#include "missive/platform/event_fd.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>

#include "missive/platform/system_error.hpp"
#include "missive/platform/poll.hpp"

namespace missive::platform {

Result<EventFd> EventFd::create(std::uint32_t initial) {
  Fd fd(::eventfd(initial, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!fd) return error_from_errno(errno, "eventfd failed");
  return EventFd(std::move(fd));
}

Status EventFd::signal(std::uint64_t n) const noexcept {
  if (n == 0) return Error{Errc::invalid_argument, "eventfd signal of zero"};
  for (;;) {
    const ssize_t rc = ::write(fd_.get(), &n, sizeof n);
    if (rc == static_cast<ssize_t>(sizeof n)) return ok();
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0 && errno == EAGAIN) return Error{Errc::would_block, "eventfd counter would overflow"};
    return error_from_errno(errno, "write to eventfd failed");
  }
}

Result<std::uint64_t> EventFd::try_consume() const noexcept {
  for (;;) {
    std::uint64_t value = 0;
    const ssize_t rc = ::read(fd_.get(), &value, sizeof value);
    if (rc == static_cast<ssize_t>(sizeof value)) return value;
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0 && errno == EAGAIN) return Errc::would_block;
    return error_from_errno(errno, "read from eventfd failed");
  }
}

Result<std::uint64_t> EventFd::consume(Deadline deadline) const noexcept {
  for (;;) {
    auto value = try_consume();
    if (value.code() != Errc::would_block) return value;
    if (Status s = poll_fd(fd_.get(), POLLIN, deadline); !s) return s.error();
  }
}

}  // namespace missive::platform
