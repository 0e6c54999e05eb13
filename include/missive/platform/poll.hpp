// missive/platform/poll.hpp - wait for one descriptor to become ready, with a Deadline.
#pragma once

#include "missive/core/deadline.hpp"
#include "missive/core/result.hpp"

namespace missive::platform {

// Waits until `fd` reports one of `events` (or an error or hang-up, which the
// caller's next call will report) or the deadline passes. ok / timed_out /
// system error. Restarts after signals without stretching the deadline.
[[nodiscard]] Status poll_fd(int fd, short events, Deadline deadline) noexcept;

}  // namespace missive::platform
