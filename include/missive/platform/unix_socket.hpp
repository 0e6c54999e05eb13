// missive/platform/unix_socket.hpp - Unix-domain sockets: listen, accept, connect.
//
// Addresses: "@name" is a name in the abstract namespace (Linux): it exists
// only while the listening socket is open and vanishes with its owner, so
// nothing needs cleaning up after a crash. Any other string is a filesystem
// path (the caller owns the file; missive never unlinks it).
//
// Every descriptor returned here is close-on-exec. Connections are in blocking
// mode; listeners are non-blocking (accept_unix waits for them with poll).
// Deadlines bound the waiting; a call never blocks past its deadline.
#pragma once

#include <string_view>
#include <utility>

#include "missive/core/deadline.hpp"
#include "missive/core/result.hpp"
#include "missive/platform/fd.hpp"

namespace missive::platform {

enum class SocketType {
  seqpacket,  // SOCK_SEQPACKET: connection-oriented, message boundaries kept
  stream,     // SOCK_STREAM: connection-oriented byte stream
};

// A listening socket bound to `address`. address_in_use when another listener
// holds it, invalid_argument when the address is empty or too long.
[[nodiscard]] Result<Fd> listen_unix(std::string_view address, SocketType type, int backlog = 64);

// The next connection on `listener`: timed_out when none arrives in time.
[[nodiscard]] Result<Fd> accept_unix(const Fd& listener, Deadline deadline);

// A socket connected to `address`: refused when nobody listens there,
// timed_out when the listener's backlog stays full until the deadline.
[[nodiscard]] Result<Fd> connect_unix(std::string_view address, SocketType type, Deadline deadline);

// Two connected sockets (socketpair), for a parent and a forked child.
[[nodiscard]] Result<std::pair<Fd, Fd>> socket_pair(SocketType type);

}  // namespace missive::platform
