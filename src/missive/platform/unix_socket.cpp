#include "missive/platform/unix_socket.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <thread>

#include "missive/platform/system_error.hpp"
#include "missive/platform/poll.hpp"

namespace missive::platform {
namespace {

struct UnixAddress {
  sockaddr_un addr{};
  socklen_t length = 0;
};

Result<UnixAddress> make_address(std::string_view address) {
  UnixAddress out;
  out.addr.sun_family = AF_UNIX;
  if (address.empty()) return Error{Errc::invalid_argument, "empty unix socket address"};
  if (address.find('\0') != std::string_view::npos) {
    return Error{Errc::invalid_argument, "unix socket address contains a NUL byte"};
  }
  if (address.front() == '@') {
    // Abstract namespace: sun_path starts with NUL; the name is the rest, not NUL-terminated.
    const std::string_view name = address.substr(1);
    if (name.empty()) return Error{Errc::invalid_argument, "abstract socket name after '@' is empty"};
    if (name.size() > sizeof(out.addr.sun_path) - 1) {
      return Error{Errc::invalid_argument, "abstract socket name longer than 107 bytes"};
    }
    out.addr.sun_path[0] = '\0';
    std::memcpy(out.addr.sun_path + 1, name.data(), name.size());
    out.length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  } else {
    if (address.size() > sizeof(out.addr.sun_path) - 1) {
      return Error{Errc::invalid_argument, "unix socket path longer than 107 bytes"};
    }
    std::memcpy(out.addr.sun_path, address.data(), address.size());
    out.length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.size() + 1);
  }
  return out;
}

int socket_type_flag(SocketType type) noexcept { return type == SocketType::seqpacket ? SOCK_SEQPACKET : SOCK_STREAM; }

Status set_blocking(const Fd& fd) {
  const int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK) != 0) {
    return error_from_errno(errno, "fcntl(F_SETFL) failed");
  }
  return ok();
}

}  // namespace

Result<Fd> listen_unix(std::string_view address, SocketType type, int backlog) {
  auto addr = make_address(address);
  if (!addr) return addr.error();
  // The listener is non-blocking so that accept_unix can honour its deadline
  // even when another thread takes the connection between poll and accept.
  Fd fd(::socket(AF_UNIX, socket_type_flag(type) | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) return error_from_errno(errno, "socket(AF_UNIX) failed");
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr->addr), addr->length) != 0) {
    return error_from_errno(errno, "bind of the unix socket address failed");
  }
  if (::listen(fd.get(), backlog) != 0) return error_from_errno(errno, "listen failed");
  return fd;
}

Result<Fd> accept_unix(const Fd& listener, Deadline deadline) {
  for (;;) {
    Fd fd(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (fd) return fd;  // accept4 never inherits O_NONBLOCK: the connection is blocking
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return error_from_errno(errno, "accept4 failed");
    if (Status s = poll_fd(listener.get(), POLLIN, deadline); !s) return s.error();
  }
}

Result<Fd> connect_unix(std::string_view address, SocketType type, Deadline deadline) {
  auto addr = make_address(address);
  if (!addr) return addr.error();
  Fd fd(::socket(AF_UNIX, socket_type_flag(type) | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) return error_from_errno(errno, "socket(AF_UNIX) failed");
  for (;;) {
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr->addr), addr->length) == 0) break;
    const int err = errno;
    if (err == EINTR) continue;
    if (err == ECONNREFUSED || err == ENOENT) return Error{Errc::refused, "nobody listens at this unix address"};
    if (err == EAGAIN) {
      // A unix socket whose listener's backlog is full fails with EAGAIN instead of
      // queueing, and poll cannot wait for backlog room: retry with a short sleep.
      if (deadline.expired()) return Error{Errc::timed_out, "listener backlog stayed full until the deadline"};
      const auto nap = std::min<Clock::duration>(std::chrono::milliseconds(1), deadline.remaining());
      std::this_thread::sleep_for(nap);
      continue;
    }
    if (err == EINPROGRESS) {
      if (Status s = poll_fd(fd.get(), POLLOUT, deadline); !s) return s.error();
      int so_error = 0;
      socklen_t len = sizeof so_error;
      if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &so_error, &len) != 0) {
        return error_from_errno(errno, "getsockopt(SO_ERROR) failed");
      }
      if (so_error == 0) break;
      if (so_error == ECONNREFUSED) return Error{Errc::refused, "nobody listens at this unix address"};
      return error_from_errno(so_error, "connect to the unix address failed");
    }
    return error_from_errno(err, "connect to the unix address failed");
  }
  if (Status s = set_blocking(fd); !s) return s.error();
  return fd;
}

Result<std::pair<Fd, Fd>> socket_pair(SocketType type) {
  int fds[2] = {-1, -1};
  if (::socketpair(AF_UNIX, socket_type_flag(type) | SOCK_CLOEXEC, 0, fds) != 0) {
    return error_from_errno(errno, "socketpair failed");
  }
  return std::pair<Fd, Fd>(Fd(fds[0]), Fd(fds[1]));
}

}  // namespace missive::platform
