#include "missive/platform/fd.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "missive/platform/system_error.hpp"

namespace missive::platform {

void Fd::reset(int fd) noexcept {
  if (fd_ >= 0 && fd_ != fd) {
    // On Linux the descriptor is released even when close() reports EINTR,
    // so retrying could close someone else's descriptor: never retry.
    (void)::close(fd_);
  }
  fd_ = fd;
}

Result<Fd> Fd::duplicate() const {
  const int copy = ::fcntl(fd_, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) return error_from_errno(errno, "fcntl(F_DUPFD_CLOEXEC) failed");
  return Fd(copy);
}

}  // namespace missive::platform
