// missive/transport/connection.hpp - Connection: a duplex message endpoint of any transport.
//
//   auto conn = transport::connect("shm://kv", Deadline::after(1s));
//   if (!conn) return conn.error();           // refused, timed_out, permission_denied...
//   if (Status s = conn->send(bytes, Deadline::after(100ms)); !s) ...
//   std::vector<std::byte> reply;
//   if (Status s = conn->recv(reply, Deadline::after(100ms)); !s) ...
//
// Messages are whole byte strings, delivered in order, never merged or split
// (frames on sockets, ring records on shm, vectors on inproc).
//
// Contract
// - Send side (send, try_send, send_message) belongs to one thread at a time,
//   receive side (recv, try_recv, recv_message) to one thread at a time; the
//   two sides may run concurrently. close(), moves and destruction need both
//   sides idle.
// - A message is sent only when send returns ok; on any error the caller
//   still owns it and the peer sees nothing of it.
// - Errors: would_block (try_*), timed_out, too_large (above
//   max_message_size()), closed (the peer closed: everything it sent before
//   was delivered first; or this side closed), peer_died (shm: the peer
//   process exited without closing; it is reported after what it sent was
//   drained), wire errors on unix (a peer that breaks framing: sticky).
// - close(): the peer drains what was sent, then sees closed; its sends fail
//   with closed. The destructor closes.
// - Liveness: shm watches the peer's pidfd (blocked calls notice a death within
//   WaitPolicy::liveness_interval; try_* calls check it every 256th time they
//   would block, so a try loop also ends). unix sees EOF when the peer's
//   process dies (closed). inproc peers share the process.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "missive/core/deadline.hpp"
#include "missive/core/result.hpp"
#include "missive/transport/address.hpp"
#include "missive/transport/options.hpp"
#include "missive/wire/message.hpp"

namespace missive::transport {

// Who is on the other end. pid/uid/gid from SO_PEERCRED (shm, unix) or this
// process (inproc).
struct PeerInfo {
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  bool known = false;
};

namespace detail {
class ConnectionImpl;
}

class Connection {
 public:
  // Internal: transports build connections from their implementation.
  explicit Connection(std::unique_ptr<detail::ConnectionImpl> impl) noexcept;
  Connection(Connection&&) noexcept;
  Connection& operator=(Connection&&) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Send side. Waits for room until the deadline.
  [[nodiscard]] Status send(std::span<const std::byte> message, Deadline deadline = Deadline::never());
  // Send side. never waits: would_block when there is no room now.
  [[nodiscard]] Status try_send(std::span<const std::byte> message);
  // Receive side. The next message into `out` (resized; capacity reused).
  [[nodiscard]] Status recv(std::vector<std::byte>& out, Deadline deadline = Deadline::never());
  // Receive side. Never waits: would_block when nothing is there now.
  [[nodiscard]] Status try_recv(std::vector<std::byte>& out);

  // Typed helpers over wire records (missive/wire/message.hpp).
  template <Message T>
  [[nodiscard]] Status send_message(const T& message, Deadline deadline = Deadline::never()) {
    const std::vector<std::byte> bytes = encode_message(message);
    return send(bytes, deadline);
  }
  template <Message T>
  [[nodiscard]] Result<T> recv_message(Deadline deadline = Deadline::never(), const RecordLimits& limits = {}) {
    std::vector<std::byte> bytes;
    if (Status s = recv(bytes, deadline); !s) return s.error();
    return decode_message<T>(bytes, limits);
  }

  // Idempotent; see the contract.
  void close() noexcept;

  [[nodiscard]] PeerInfo peer() const noexcept;
  [[nodiscard]] Scheme scheme() const noexcept;
  // Largest message send() accepts.
  [[nodiscard]] std::size_t max_message_size() const noexcept;

 private:
  std::unique_ptr<detail::ConnectionImpl> impl_;
};

// Connects to `address` (see address.hpp). Errors: invalid_argument (bad
// address), refused (no listener there, or it went away during the
// handshake), timed_out, permission_denied (the listener's uid allow-list),
// and system errors.
[[nodiscard]] Result<Connection> connect(std::string_view address, Deadline deadline,
                                         const ConnectOptions& options = {});

}  // namespace missive::transport
