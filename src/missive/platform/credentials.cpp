#include "missive/platform/credentials.hpp"

#include <sys/socket.h>

#include <cerrno>

#include "missive/platform/process.hpp"
#include "missive/platform/system_error.hpp"

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77  // Linux 6.5; older libc headers lack it
#endif

namespace missive::platform {

Result<PeerCredentials> peer_credentials(const Fd& socket) {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (::getsockopt(socket.get(), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    return error_from_errno(errno, "getsockopt(SO_PEERCRED) failed");
  }
  if (len != sizeof cred) return Error{Errc::system_error, "SO_PEERCRED returned a short ucred"};
  return PeerCredentials{cred.pid, cred.uid, cred.gid};
}

Result<Fd> peer_pidfd(const Fd& socket) {
  int pidfd = -1;
  socklen_t len = sizeof pidfd;
  if (::getsockopt(socket.get(), SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) == 0) return Fd(pidfd);
  if (errno == ESRCH) return Error{Errc::peer_died, "the socket's peer process has exited"};
  if (errno != ENOPROTOOPT && errno != EINVAL) return error_from_errno(errno, "getsockopt(SO_PEERPIDFD) failed");
  auto cred = peer_credentials(socket);
  if (!cred) return cred.error();
  return pidfd_open(cred->pid);
}

}  // namespace missive::platform
