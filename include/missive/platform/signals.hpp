// missive/platform/signals.hpp - waiting for SIGTERM/SIGINT in a program with threads.
//
// Call block_termination_signals() on the main thread before starting any
// thread (threads inherit the mask), then wait_termination_signal() where
// the program should stop. No handler runs in an arbitrary thread.
#pragma once

#include "missive/core/deadline.hpp"
#include "missive/core/result.hpp"

namespace missive::platform {

// Blocks SIGTERM, SIGINT and SIGHUP in the calling thread.
[[nodiscard]] Status block_termination_signals() noexcept;

// Waits for one of them (blocked first); the signal number, or timed_out.
[[nodiscard]] Result<int> wait_termination_signal(Deadline deadline = Deadline::never()) noexcept;

}  // namespace missive::platform
