#include "missive/platform/poll.hpp"

#include <poll.h>

#include <cerrno>
#include <chrono>
#include <ctime>
#include <vector>

#include "missive/platform/system_error.hpp"

namespace missive::platform {

namespace {

// ppoll's relative timeout for `deadline` (nullptr: wait forever).
timespec* timeout_for(Deadline deadline, timespec& storage) noexcept {
  if (deadline.is_never()) return nullptr;
  const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline.remaining()).count();
  storage.tv_sec = static_cast<time_t>(left / 1'000'000'000);
  storage.tv_nsec = static_cast<long>(left % 1'000'000'000);
  return &storage;
}

}  // namespace

Status poll_readable(std::span<const int> fds, std::span<bool> ready, Deadline deadline) {
  if (ready.size() != fds.size()) return Error{Errc::invalid_argument, "poll_readable: ready and fds differ in length"};
  std::vector<pollfd> entries(fds.size());
  for (std::size_t i = 0; i < fds.size(); ++i) entries[i] = pollfd{fds[i], POLLIN, 0};
  for (;;) {
    timespec relative{};
    const int rc = ::ppoll(entries.data(), entries.size(), timeout_for(deadline, relative), nullptr);
    if (rc > 0) {
      for (std::size_t i = 0; i < fds.size(); ++i) ready[i] = entries[i].revents != 0;
      return ok();
    }
    if (rc == 0) {
      if (deadline.expired()) return Error{Errc::timed_out, "deadline passed while waiting on descriptors"};
      continue;
    }
    if (errno == EINTR) continue;
    return error_from_errno(errno, "ppoll failed");
  }
}

Status poll_fd(int fd, short events, Deadline deadline) noexcept {
  for (;;) {
    timespec relative{};
    pollfd entry{fd, events, 0};
    const int rc = ::ppoll(&entry, 1, timeout_for(deadline, relative), nullptr);
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
