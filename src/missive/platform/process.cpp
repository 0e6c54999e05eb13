#include "missive/platform/process.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "missive/platform/system_error.hpp"
#include "missive/platform/poll.hpp"

#ifndef P_PIDFD
#define P_PIDFD 3  // Linux 5.4; older libc headers lack it
#endif

namespace missive::platform {

Result<Fd> pidfd_open(pid_t pid) {
  // pidfd_open(2) has no glibc wrapper before 2.36; the descriptor is always close-on-exec.
  const long fd = ::syscall(SYS_pidfd_open, pid, 0U);
  if (fd < 0) {
    if (errno == ESRCH) return Error{Errc::peer_died, "no process with this pid (it has exited)"};
    return error_from_errno(errno, "pidfd_open failed");
  }
  return Fd(static_cast<int>(fd));
}

Result<bool> process_exited(const Fd& pidfd) noexcept {
  for (;;) {
    pollfd entry{pidfd.get(), POLLIN, 0};
    const int rc = ::poll(&entry, 1, 0);
    if (rc >= 0) return rc > 0;  // a pidfd is readable once its process has exited
    if (errno != EINTR) return error_from_errno(errno, "poll of a pidfd failed");
  }
}

Status wait_process_exit(const Fd& pidfd, Deadline deadline) noexcept {
  return poll_fd(pidfd.get(), POLLIN, deadline);
}

Result<ExitStatus> wait_child(const Fd& pidfd, Deadline deadline) {
  if (Status s = poll_fd(pidfd.get(), POLLIN, deadline); !s) return s.error();
  for (;;) {
    siginfo_t info{};
    if (::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd.get()), &info, WEXITED) == 0) {
      ExitStatus status;
      if (info.si_code == CLD_EXITED) {
        status.code = info.si_status;
      } else {
        status.signal = info.si_status;  // CLD_KILLED or CLD_DUMPED
      }
      return status;
    }
    if (errno != EINTR) return error_from_errno(errno, "waitid(P_PIDFD) failed");
  }
}

Status send_signal(const Fd& pidfd, int signal) noexcept {
  if (::syscall(SYS_pidfd_send_signal, pidfd.get(), signal, nullptr, 0U) != 0) {
    return error_from_errno(errno, "pidfd_send_signal failed");
  }
  return ok();
}

}  // namespace missive::platform
