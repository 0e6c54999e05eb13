#include "missive/platform/socket_signal.hpp"

#include <sys/socket.h>

#include <cerrno>

#include "missive/platform/system_error.hpp"

namespace missive::platform {

Status signal_socket(const Fd& socket) noexcept {
  const char bell = 1;
  for (;;) {
    if (::send(socket.get(), &bell, 1, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) return ok();
    if (errno == EINTR) continue;
    // Full: the peer has unread signals. Gone: nobody waits. Neither is an error of ours.
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EPIPE || errno == ECONNRESET) return ok();
    return error_from_errno(errno, "send on the signalling socket");
  }
}

Result<Drained> drain_socket(const Fd& socket, std::size_t max_packets) noexcept {
  Drained out;
  char sink[16];
  while (out.packets < max_packets) {
    const ssize_t n = ::recv(socket.get(), sink, sizeof sink, MSG_DONTWAIT);
    if (n > 0) {
      ++out.packets;
      continue;
    }
    if (n == 0) {
      out.peer_closed = true;
      return out;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return out;
    if (errno == ECONNRESET) {
      out.peer_closed = true;
      return out;
    }
    return error_from_errno(errno, "recv on the signalling socket");
  }
  out.more = true;
  return out;
}

}  // namespace missive::platform
