// missive/platform/poll.hpp - wait for one descriptor to become ready, with a Deadline.
#pragma once

#include <span>

#include "missive/core/deadline.hpp"
#include "missive/core/result.hpp"

namespace missive::platform {

// Waits until `fd` reports one of `events` (or an error or hang-up, which the
// caller's next call will report) or the deadline passes. ok / timed_out /
// system error. Restarts after signals without stretching the deadline.
[[nodiscard]] Status poll_fd(int fd, short events, Deadline deadline) noexcept;

// Waits until at least one of `fds` is readable (or reports an error or
// hang-up), or the deadline passes. Sets ready[i] for each ready fds[i]
// (`ready` must be as long as `fds`). ok / timed_out / system error.
[[nodiscard]] Status poll_readable(std::span<const int> fds, std::span<bool> ready, Deadline deadline);

}  // namespace missive::platform
