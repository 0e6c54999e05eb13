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
//
// Loans and views (transport/loan.hpp): loan()/send_loan() and recv_view()
// are zero-copy on shm:// and a copy fallback elsewhere. Loans belong to the
// send side, views to the receive side.
//
// Waiting on many endpoints (readable_fd): receive side. The descriptor is
// readable when a message arrived after a try_recv/try_recv_view returned
// would_block, and when the peer died or closed. Wait on it (poll, or epoll
// level- or edge-triggered) only after such a would_block; then drain with
// try_recv until would_block again. It may be readable with nothing to
// receive (a spurious wake: try_recv says would_block); it is never silent
// while a message published after that would_block waits (no lost wake-up).
// The connection owns the descriptor: do not read, write or close it.
//
// Halves (split): a Sender and a Receiver sharing the connection, for one
// thread that sends and another that receives (or to hand them to different
// owners). The connection closes when both halves are gone.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <memory>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "missive/core/deadline.hpp"
#include "missive/core/result.hpp"
#include "missive/transport/address.hpp"
#include "missive/transport/loan.hpp"
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
class Sender;
class Receiver;

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

  // Send side. A buffer of `size` bytes to write in place and send with
  // send_loan. Waits for a free pool buffer until the deadline (timed_out);
  // try_loan never waits (would_block when every buffer is in flight or held
  // by the peer's views). too_large above max_message_size(); closed,
  // peer_died. shm: a pool buffer when `size` fits one (Loan::zero_copy()),
  // else and on other schemes a private buffer (copy fallback).
  [[nodiscard]] Result<Loan> loan(std::size_t size, Deadline deadline = Deadline::never());
  [[nodiscard]] Result<Loan> try_loan(std::size_t size);
  // Send side. Publishes a loan (errors as send). On ok it is consumed; on
  // error the caller keeps it.
  [[nodiscard]] Status send_loan(Loan&& loan, Deadline deadline = Deadline::never());
  [[nodiscard]] Status try_send_loan(Loan&& loan);
  // Receive side. The next message as a View: zero-copy for a loaned shm
  // message (TRUSTED PEERS ONLY, see loan.hpp), a private copy otherwise.
  // Dropping it returns the buffer to the sender's pool. Errors as recv.
  [[nodiscard]] Result<View> recv_view(Deadline deadline = Deadline::never());
  [[nodiscard]] Result<View> try_recv_view();
  // Receive side. See "Waiting on many endpoints" above. shm and inproc: a
  // signalling descriptor of the connection; unix: the socket. Errors:
  // closed (moved from) or system errors creating it.
  [[nodiscard]] Result<int> readable_fd();

  // Splits the connection into its two halves (this becomes moved-from).
  [[nodiscard]] std::pair<Sender, Receiver> split() &&;

  // Idempotent; see the contract.
  void close() noexcept;

  [[nodiscard]] PeerInfo peer() const noexcept;
  [[nodiscard]] Scheme scheme() const noexcept;
  // Largest message send() accepts.
  [[nodiscard]] std::size_t max_message_size() const noexcept;

 private:
  std::unique_ptr<detail::ConnectionImpl> impl_;
};

// The send half of a connection (Connection::split). Contract: one thread
// at a time; may run concurrently with its Receiver. Methods as Connection's
// send side. close() ends this direction: the peer drains what was sent, then
// sees closed (shm, inproc); on unix it closes the whole connection.
class Sender {
 public:
  explicit Sender(std::shared_ptr<detail::ConnectionImpl> impl) noexcept;
  Sender(Sender&&) noexcept;
  Sender& operator=(Sender&&) noexcept;
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;
  ~Sender();

  [[nodiscard]] Status send(std::span<const std::byte> message, Deadline deadline = Deadline::never());
  [[nodiscard]] Status try_send(std::span<const std::byte> message);
  [[nodiscard]] Result<Loan> loan(std::size_t size, Deadline deadline = Deadline::never());
  [[nodiscard]] Result<Loan> try_loan(std::size_t size);
  [[nodiscard]] Status send_loan(Loan&& loan, Deadline deadline = Deadline::never());
  [[nodiscard]] Status try_send_loan(Loan&& loan);
  template <Message T>
  [[nodiscard]] Status send_message(const T& message, Deadline deadline = Deadline::never()) {
    const std::vector<std::byte> bytes = encode_message(message);
    return send(bytes, deadline);
  }
  void close() noexcept;
  [[nodiscard]] PeerInfo peer() const noexcept;
  [[nodiscard]] Scheme scheme() const noexcept;
  [[nodiscard]] std::size_t max_message_size() const noexcept;

 private:
  std::shared_ptr<detail::ConnectionImpl> impl_;
};

// The receive half of a connection (Connection::split). Contract: one thread
// at a time; may run concurrently with its Sender. Methods as Connection's
// receive side. close(): this side reads nothing more; the peer's sends fail
// with closed (shm, inproc); on unix it closes the whole connection.
class Receiver {
 public:
  explicit Receiver(std::shared_ptr<detail::ConnectionImpl> impl) noexcept;
  Receiver(Receiver&&) noexcept;
  Receiver& operator=(Receiver&&) noexcept;
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;
  ~Receiver();

  [[nodiscard]] Status recv(std::vector<std::byte>& out, Deadline deadline = Deadline::never());
  [[nodiscard]] Status try_recv(std::vector<std::byte>& out);
  [[nodiscard]] Result<View> recv_view(Deadline deadline = Deadline::never());
  [[nodiscard]] Result<View> try_recv_view();
  [[nodiscard]] Result<int> readable_fd();
  template <Message T>
  [[nodiscard]] Result<T> recv_message(Deadline deadline = Deadline::never(), const RecordLimits& limits = {}) {
    std::vector<std::byte> bytes;
    if (Status s = recv(bytes, deadline); !s) return s.error();
    return decode_message<T>(bytes, limits);
  }
  void close() noexcept;
  [[nodiscard]] PeerInfo peer() const noexcept;
  [[nodiscard]] Scheme scheme() const noexcept;

 private:
  std::shared_ptr<detail::ConnectionImpl> impl_;
};

// Connects to `address` (see address.hpp). Errors: invalid_argument (bad
// address), refused (no listener there, or it went away during the
// handshake), timed_out, permission_denied (the listener's uid allow-list),
// and system errors.
[[nodiscard]] Result<Connection> connect(std::string_view address, Deadline deadline,
                                         const ConnectOptions& options = {});

}  // namespace missive::transport
