// missive/net/unix_listener.hpp - UnixListener: accepts framed UnixStreams.
//
// Contract: one thread at a time may call accept(); the listener owns its
// socket. An abstract address ("@name") vanishes with the listener; a path
// stays in the filesystem and is the caller's to remove (missive never
// unlinks it).
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "missive/core/deadline.hpp"
#include "missive/core/result.hpp"
#include "missive/net/unix_stream.hpp"
#include "missive/platform/fd.hpp"
#include "missive/platform/unix_socket.hpp"

namespace missive::net {

class UnixListener {
 public:
  // address_in_use when the address is taken, invalid_argument when malformed.
  [[nodiscard]] static Result<UnixListener> listen(std::string_view address, platform::SocketType type,
                                                   const StreamOptions& options = {}, int backlog = 64);

  // The next connection, or timed_out at the deadline.
  [[nodiscard]] Result<UnixStream> accept(Deadline deadline);

  [[nodiscard]] const std::string& address() const noexcept { return address_; }
  [[nodiscard]] const platform::Fd& fd() const noexcept { return fd_; }

 private:
  UnixListener(platform::Fd fd, std::string address, platform::SocketType type, const StreamOptions& options)
      : fd_(std::move(fd)), address_(std::move(address)), type_(type), options_(options) {}

  platform::Fd fd_;
  std::string address_;
  platform::SocketType type_;
  StreamOptions options_;
};

}  // namespace missive::net
