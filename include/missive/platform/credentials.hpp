// missive/platform/credentials.hpp - who is on the other end of a Unix socket.
//
// The kernel records the peer's pid, uid and gid when the connection is made
// (SO_PEERCRED); the peer cannot forge them. A server restricts peers by uid
// with these, and watches the peer's life with peer_pidfd().
#pragma once

#include <sys/types.h>

#include "missive/core/result.hpp"
#include "missive/platform/fd.hpp"

namespace missive::platform {

struct PeerCredentials {
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
};

// The credentials of the process connected to `socket` (at connect time).
[[nodiscard]] Result<PeerCredentials> peer_credentials(const Fd& socket);

// A pidfd for the peer process of `socket`. Uses SO_PEERPIDFD (Linux 6.5+),
// which cannot name a recycled pid; falls back to pidfd_open(peer pid) on
// older kernels, where a peer that exited and whose pid was reused would be
// misidentified (a narrow window that the socket's own EOF also reveals).
[[nodiscard]] Result<Fd> peer_pidfd(const Fd& socket);

}  // namespace missive::platform
