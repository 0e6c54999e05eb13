// missive/platform/process.hpp - pidfds: watching another process's life.
//
// A pidfd refers to one process for as long as it is open; unlike a pid it is
// never recycled. It becomes readable (poll/epoll) when the process exits, so
// a peer's death is noticed at once and can be waited on with a deadline or
// alongside other descriptors.
#pragma once

#include <sys/types.h>

#include "missive/core/deadline.hpp"
#include "missive/core/result.hpp"
#include "missive/platform/fd.hpp"

namespace missive::platform {

// pidfd_open(2): a pidfd for `pid` (close-on-exec). peer_died when no such process.
[[nodiscard]] Result<Fd> pidfd_open(pid_t pid);

// True once the process has exited (a zombie counts as exited). noexcept, one poll(2).
[[nodiscard]] Result<bool> process_exited(const Fd& pidfd) noexcept;

// ok once the process has exited, timed_out at the deadline.
[[nodiscard]] Status wait_process_exit(const Fd& pidfd, Deadline deadline) noexcept;

// How a child process ended.
struct ExitStatus {
  int code = 0;    // exit code when it exited normally
  int signal = 0;  // the signal that killed it, or 0 when it exited normally
  [[nodiscard]] bool exited_normally() const noexcept { return signal == 0; }
};

// For a child of the caller: waits for it to end and reaps it (waitid
// P_PIDFD). timed_out at the deadline (the child is then neither killed nor
// reaped).
[[nodiscard]] Result<ExitStatus> wait_child(const Fd& pidfd, Deadline deadline);

// Sends `signal` to the process (pidfd_send_signal).
[[nodiscard]] Status send_signal(const Fd& pidfd, int signal) noexcept;

}  // namespace missive::platform
