#include "missive/net/unix_listener.hpp"

namespace missive::net {

Result<UnixListener> UnixListener::listen(std::string_view address, platform::SocketType type,
                                          const StreamOptions& options, int backlog) {
  auto fd = platform::listen_unix(address, type, backlog);
  if (!fd) return fd.error();
  return UnixListener(std::move(*fd), std::string(address), type, options);
}

Result<UnixStream> UnixListener::accept(Deadline deadline) {
  auto fd = platform::accept_unix(fd_, deadline);
  if (!fd) return fd.error();
  return UnixStream::adopt(std::move(*fd), type_, options_);
}

}  // namespace missive::net
