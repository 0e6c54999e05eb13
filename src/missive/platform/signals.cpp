#include "missive/platform/signals.hpp"

#include <pthread.h>
#include <signal.h>

#include <cerrno>
#include <chrono>
#include <ctime>

#include "missive/platform/system_error.hpp"

namespace missive::platform {
namespace {

sigset_t termination_set() noexcept {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  return set;
}

}  // namespace

Status block_termination_signals() noexcept {
  const sigset_t set = termination_set();
  const int rc = ::pthread_sigmask(SIG_BLOCK, &set, nullptr);
  if (rc != 0) return error_from_errno(rc, "pthread_sigmask failed");
  return ok();
}

Result<int> wait_termination_signal(Deadline deadline) noexcept {
  const sigset_t set = termination_set();
  for (;;) {
    int rc = 0;
    if (deadline.is_never()) {
      rc = ::sigwaitinfo(&set, nullptr);
    } else {
      const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline.remaining()).count();
      const timespec timeout{static_cast<time_t>(left / 1'000'000'000), static_cast<long>(left % 1'000'000'000)};
      rc = ::sigtimedwait(&set, nullptr, &timeout);
    }
    if (rc > 0) return rc;
    if (errno == EAGAIN) return Error{Errc::timed_out, "no termination signal before the deadline"};
    if (errno != EINTR) return error_from_errno(errno, "sigwaitinfo failed");
  }
}

}  // namespace missive::platform
