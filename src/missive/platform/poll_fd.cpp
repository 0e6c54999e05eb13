#include "missive/platform/poll.hpp"

#include <poll.h>

#include <cerrno>
#include <chrono>
#include <ctime>

#include "missive/platform/system_error.hpp"

namespace missive::platform {

Status poll_fd(int fd, short events, Deadline deadline) noexcept {
  for (;;) {
    timespec relative{};
    timespec* timeout = nullptr;
    if (!deadline.is_never()) {
      const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline.remaining()).count();
      relative.tv_sec = static_cast<time_t>(left / 1'000'000'000);
      relative.tv_nsec = static_cast<long>(left % 1'000'000'000);
      timeout = &relative;
    }
    pollfd entry{fd, events, 0};
    const int rc = ::ppoll(&entry, 1, timeout, nullptr);
    if (rc > 0) return ok();
    if (rc == 0) {
      if (deadline.expired()) return Error{Errc::timed_out, "deadline passed while waiting on a descriptor"};
      continue;  // woke a hair early (timer slack): go around
    }
    if (errno == EINTR) continue;
    return error_from_errno(errno, "ppoll failed");
  }
}

}  // namespace missive::platform
