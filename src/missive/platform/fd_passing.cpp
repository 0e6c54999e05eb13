#include "missive/platform/fd_passing.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "missive/platform/system_error.hpp"
#include "missive/platform/poll.hpp"

namespace missive::platform {
namespace {

// Room for the largest SCM_RIGHTS message we send or accept.
constexpr std::size_t control_bytes = CMSG_SPACE(sizeof(int) * max_passed_fds);

Status send_rest(const Fd& socket, std::span<const std::byte> rest, Deadline deadline) {
  while (!rest.empty()) {
    const ssize_t n = ::send(socket.get(), rest.data(), rest.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n >= 0) {
      rest = rest.subspan(static_cast<std::size_t>(n));
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return error_from_errno(errno, "send of the fd payload failed");
    if (Status s = poll_fd(socket.get(), POLLOUT, deadline); !s) return s;
  }
  return ok();
}

}  // namespace

Status send_fds(const Fd& socket, std::span<const std::byte> payload, std::span<const int> fds, Deadline deadline) {
  if (payload.empty()) return Error{Errc::invalid_argument, "send_fds needs at least one payload byte"};
  if (fds.size() > max_passed_fds) return Error{Errc::invalid_argument, "more descriptors than max_passed_fds"};

  alignas(cmsghdr) unsigned char control[control_bytes] = {};
  iovec iov{const_cast<std::byte*>(payload.data()), payload.size()};  // sendmsg does not write through it
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (!fds.empty()) {
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    cmsghdr* header = CMSG_FIRSTHDR(&msg);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(header), fds.data(), sizeof(int) * fds.size());
  }
  for (;;) {
    const ssize_t n = ::sendmsg(socket.get(), &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n >= 0) {
      // The descriptors travel with the first byte; a stream socket may take
      // the payload in pieces, and the rest goes without ancillary data.
      return send_rest(socket, payload.subspan(static_cast<std::size_t>(n)), deadline);
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return error_from_errno(errno, "sendmsg(SCM_RIGHTS) failed");
    if (Status s = poll_fd(socket.get(), POLLOUT, deadline); !s) return s;
  }
}

Result<ReceivedFds> recv_fds(const Fd& socket, std::span<std::byte> payload, Deadline deadline) {
  if (payload.empty()) return Error{Errc::invalid_argument, "recv_fds needs room for at least one payload byte"};
  alignas(cmsghdr) unsigned char control[control_bytes] = {};
  iovec iov{payload.data(), payload.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;

  ssize_t n = 0;
  for (;;) {
    // MSG_CMSG_CLOEXEC: the received descriptors must not leak into exec'd children.
    n = ::recvmsg(socket.get(), &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    if (n >= 0) break;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return error_from_errno(errno, "recvmsg(SCM_RIGHTS) failed");
    if (Status s = poll_fd(socket.get(), POLLIN, deadline); !s) return s.error();
  }

  ReceivedFds out;
  out.payload_bytes = static_cast<std::size_t>(n);
  // Take ownership of every descriptor that arrived before judging the message,
  // so that an error return closes them instead of leaking them.
  for (cmsghdr* header = CMSG_FIRSTHDR(&msg); header != nullptr; header = CMSG_NXTHDR(&msg, header)) {
    if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS) continue;
    const std::size_t count = (header->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (std::size_t i = 0; i < count; ++i) {
      int fd = -1;
      std::memcpy(&fd, CMSG_DATA(header) + i * sizeof(int), sizeof fd);
      out.fds.emplace_back(fd);
    }
  }
  if ((msg.msg_flags & MSG_CTRUNC) != 0)
    return Error{Errc::too_large, "peer sent more descriptors than max_passed_fds"};
  if ((msg.msg_flags & MSG_TRUNC) != 0) return Error{Errc::too_large, "peer's payload is larger than the buffer"};
  if (n == 0 && out.fds.empty()) return Error{Errc::closed, "peer closed the socket"};
  return out;
}

}  // namespace missive::platform
