// shm:// - a pair of shared-memory rings per connection, set up over an
// abstract SOCK_SEQPACKET socket (docs/transport.md draws the handshake).
//
//   connector                                   listener ("@missive-shm-<name>")
//   connect(SEQPACKET) ------------------------> accept; SO_PEERCRED; uid allowed?
//   HELLO(client) + [data, control] of c->s --->   no:  REFUSED ------> permission_denied
//                                                 yes: attach RingReceiver(c->s)
//                  <--- HELLO(server) + [data, control] of s->c
//   attach RingReceiver(s->c)
//   both: pidfd of the peer (SO_PEERPIDFD / pidfd_open) watched by both rings;
//         the rings carry every message from here on. The socket stays open
//         as the connection's doorbell for poll/epoll (readable_fd): a sender
//         whose receiver armed its event wait sends one byte after each
//         publish; a dead peer's end closes, so ours reads end-of-file.
//
// Handshake message: 16 bytes, little-endian:
//   0..3 magic "mShk", 4 version (1), 5 kind (1 hello_client, 2 hello_server,
//   3 refused_uid), 6..15 zero. A hello carries two descriptors (data,
//   control) or three (plus the ring's loan pool).
//
// Path choice: each send goes inline (copied into the ring) or through a
// loaned pool buffer, by EndpointOptions::send_path, the calling thread's
// ScopedSendPath and the crossover (docs/cost-model.md). The receiver copies
// either kind out in recv(), so it needs no option.
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <string>

#include "impl.hpp"
#include "missive/core/cpu_relax.hpp"
#include "missive/costmodel/profile.hpp"
#include "missive/platform/credentials.hpp"
#include "missive/platform/fd_passing.hpp"
#include "missive/platform/socket_signal.hpp"
#include "missive/platform/unix_socket.hpp"
#include "missive/shm/ring_receiver.hpp"
#include "missive/shm/ring_sender.hpp"

namespace missive::transport::detail {
namespace {

using platform::Fd;

constexpr std::size_t hello_size = 16;
using Hello = std::array<std::byte, hello_size>;
enum class HelloKind : std::uint8_t { client = 1, server = 2, refused_uid = 3 };
constexpr std::uint8_t hello_version = 1;

Hello make_hello(HelloKind kind) noexcept {
  Hello h{};
  h[0] = std::byte{'m'};
  h[1] = std::byte{'S'};
  h[2] = std::byte{'h'};
  h[3] = std::byte{'k'};
  h[4] = std::byte{hello_version};
  h[5] = std::byte{static_cast<std::uint8_t>(kind)};
  return h;
}

// The kind of a received hello, or corrupted.
Result<HelloKind> parse_hello(std::span<const std::byte> bytes) noexcept {
  const Hello expected = make_hello(HelloKind::client);
  if (bytes.size() != hello_size || !std::equal(expected.begin(), expected.begin() + 4, bytes.begin())) {
    return Error{Errc::corrupted, "shm handshake: the peer's message is not a missive hello"};
  }
  if (bytes[4] != std::byte{hello_version}) {
    return Error{Errc::unsupported_version, "shm handshake: the peer speaks another handshake version"};
  }
  const auto kind = static_cast<std::uint8_t>(bytes[5]);
  if (kind < 1 || kind > 3) return Error{Errc::corrupted, "shm handshake: unknown hello kind"};
  return static_cast<HelloKind>(kind);
}

std::string socket_name(std::string_view name) {
  std::string out("@missive-shm-");
  out.append(name);
  return out;
}


// The calling thread's per-message override and path counters.
thread_local SendPath scoped_send_path = SendPath::automatic;
thread_local SendPathCounts send_path_counts{};

// The ring a side sends on: the caller's config, plus a loan pool of 4
// buffers of the ring's largest message unless it sized one or sends inline only.
shm::RingConfig ring_config(const EndpointOptions& options) noexcept {
  shm::RingConfig config = options.ring;
  if (options.send_path == SendPath::inline_copy || config.loan_buffers != 0) return config;
  const std::size_t capacity = std::bit_ceil(std::clamp<std::size_t>(config.capacity_bytes, 4096, std::size_t{1} << 30));
  config.loan_buffers = 4;
  config.loan_buffer_bytes = config.max_message_bytes != 0 ? config.max_message_bytes : capacity / 2 - 8;
  return config;
}

// The size from which automatic sends loan.
std::size_t crossover_of(const EndpointOptions& options) {
  return options.crossover_bytes.has_value() ? *options.crossover_bytes
                                             : costmodel::active_profile().profile.crossover_bytes;
}

// Attaches to a peer's ring: two descriptors, or three with a loan pool.
Result<shm::RingReceiver> attach_ring(std::vector<Fd>& fds, const shm::WaitPolicy& policy) {
  if (fds.size() == 3) return shm::RingReceiver::attach(std::move(fds[0]), std::move(fds[1]), std::move(fds[2]), policy);
  return shm::RingReceiver::attach(std::move(fds[0]), std::move(fds[1]), policy);
}

// The descriptors of a ring to hand over (pool last, when there is one).
std::vector<int> ring_fds(const shm::RingSender& tx) {
  std::vector<int> fds{tx.data_fd().get(), tx.control_fd().get()};
  if (tx.pool_fd().valid()) fds.push_back(tx.pool_fd().get());
  return fds;
}

bool hello_fd_count_ok(std::size_t n) noexcept { return n == 2 || n == 3; }

// Thread safety: the send side (tx_, tx_idle_, signalling the peer) and the
// receive side (rx_, rx_idle_, event state, draining our doorbell) belong to
// one thread each; they share only `doorbell_`, on which concurrent send and
// recv system calls are safe.
class ShmConnection final : public ConnectionImpl {
 public:
  ShmConnection(shm::RingSender tx, shm::RingReceiver rx, Fd doorbell, PeerInfo peer, SendPath path,
                std::size_t crossover) noexcept
      : tx_(std::move(tx)),
        rx_(std::move(rx)),
        doorbell_(std::move(doorbell)),
        peer_(peer),
        path_(path),
        crossover_(crossover) {}
  ~ShmConnection() override { close(); }

  Status send(std::span<const std::byte> message, Deadline deadline) override {
    if (loans_this(message.size())) {
      Status s = send_loaned(message, deadline, /*wait=*/true);
      if (s.code() != Errc::would_block || message.size() > tx_.max_message_size()) return signalled(s);
      ++send_path_counts.loan_fallbacks;  // every buffer in flight: inline costs less than waiting
    }
    return signalled(counted_inline(tx_.send(message, deadline)));
  }
  Status try_send(std::span<const std::byte> message) override {
    Status s = try_send_chosen(message);
    // A dead receiver never drains the ring: without this check a try_send
    // loop against it would see would_block forever.
    if (s.code() == Errc::would_block && (++tx_idle_ % liveness_every) == 0) {
      if (Status peer = tx_.check_peer(); !peer) return peer;
    }
    if (s) tx_idle_ = 0;
    return signalled(s);
  }
  Status recv(std::vector<std::byte>& out, Deadline deadline) override {
    return received(rx_.recv(out, deadline));
  }
  Status try_recv(std::vector<std::byte>& out) override {
    return try_receive([&] { return rx_.try_recv(out); });
  }

  Result<Loan> loan(std::size_t size, Deadline deadline) override {
    if (tx_.loan_buffer_count() == 0 || size > tx_.loan_buffer_size()) {
      return ConnectionImpl::loan(size, deadline);  // copy fallback (too_large above the ring's limit)
    }
    auto lent = tx_.loan(size, deadline);
    if (!lent) return lent.error();
    return LoanAccess::shared(std::move(*lent));
  }
  Status send_loan(Loan& loan, Deadline deadline, bool wait) override {
    shm::Loan* shared = LoanAccess::shared_of(loan);
    if (shared == nullptr) return ConnectionImpl::send_loan(loan, deadline, wait);  // its send signals
    Status s = wait ? tx_.send_loan(std::move(*shared), deadline) : tx_.try_send_loan(std::move(*shared));
    if (s) {
      ++send_path_counts.loans;
      loan.reset();
    }
    return signalled(s);
  }
  Result<View> recv_view(Deadline deadline, bool wait) override {
    Result<shm::View> view = Errc::would_block;
    if (wait) {
      view = rx_.recv_view(deadline);
      if (view && event_armed_) disarm();
    } else {
      const Status s = try_receive([&]() -> Status {
        view = rx_.try_recv_view();
        return view ? ok() : Status(view.error());
      });
      if (!s) return s.error();
    }
    if (!view) return view.error();
    return LoanAccess::shared(std::move(*view));
  }
  Result<int> readable_fd() override {
    event_mode_ = true;  // from now on a would_block arms the doorbell
    return doorbell_.get();
  }

  void close() noexcept override {
    close_send();
    rx_.close();
  }
  void close_send() noexcept override {
    tx_.close();
    (void)platform::signal_socket(doorbell_);  // a peer waiting in epoll learns of the close
  }
  void close_recv() noexcept override { rx_.close(); }
  PeerInfo peer() const noexcept override { return peer_; }
  Scheme scheme() const noexcept override { return Scheme::shm; }
  std::size_t max_message_size() const noexcept override {
    return std::max(tx_.max_message_size(), path_ == SendPath::inline_copy ? 0 : tx_.loan_buffer_size());
  }

 private:
  // try_* calls that would block check the peer's pidfd (one poll) this often.
  static constexpr unsigned liveness_every = 256;

  // True when a message of `size` bytes goes through a loan: the thread's
  // override, else the connection's path, else the crossover; a message too
  // large for the ring must loan, one too large for a buffer cannot.
  [[nodiscard]] bool loans_this(std::size_t size) const noexcept {
    if (tx_.loan_buffer_count() == 0 || size > tx_.loan_buffer_size()) return false;
    if (size > tx_.max_message_size()) return true;
    const SendPath requested = scoped_send_path != SendPath::automatic ? scoped_send_path : path_;
    return costmodel::choose_path(requested, size, crossover_) == SendPath::loan;
  }

  Status try_send_chosen(std::span<const std::byte> message) {
    if (loans_this(message.size())) {
      Status s = send_loaned(message, Deadline::now_or_never(), /*wait=*/false);
      if (s.code() != Errc::would_block || message.size() > tx_.max_message_size()) return s;
      ++send_path_counts.loan_fallbacks;
    }
    return counted_inline(tx_.try_send(message));
  }

  static Status counted_inline(Status sent) noexcept {
    if (sent) ++send_path_counts.inline_copies;
    return sent;
  }

  // After an ok publish: signal the doorbell when the receiver armed its
  // event wait. receiver_event_armed() is the seq_cst load [L] after the
  // seq_cst tail store [W] of the publish (ring_layout.hpp).
  Status signalled(Status sent) noexcept {
    if (sent && tx_.receiver_event_armed()) (void)platform::signal_socket(doorbell_);
    return sent;
  }

  // A received message ends an event wait (our caller is not waiting now).
  Status received(Status got) noexcept {
    if (got && event_armed_) disarm();
    return got;
  }
  void disarm() noexcept {
    rx_.disarm_event();
    event_armed_ = false;
  }

  // One non-waiting receive with the liveness check and, in event mode, the
  // arming protocol: on would_block drain the doorbell, arm, then try once
  // more (a publish that missed the flag is seen by this retry; one after it
  // sees the flag and signals). A doorbell at end-of-file with an empty,
  // unclosed ring means the peer's end went away without closing its ring:
  // the peer died (its pidfd may lag behind the closed socket).
  template <class TryOnce>
  Status try_receive(const TryOnce& try_once) {
    Status s = try_once();
    if (s.code() == Errc::would_block && event_mode_) {
      auto drained = platform::drain_socket(doorbell_);
      if (!drained) return drained.error();
      if (drained->peer_closed) doorbell_closed_ = true;
      rx_.arm_event();
      event_armed_ = true;
      s = try_once();
      if (s.code() == Errc::would_block && doorbell_closed_) {
        if (Status alive = rx_.check_peer(); !alive) return alive;
        return Error{Errc::peer_died, "the shm peer's end of the connection closed without closing its ring"};
      }
    }
    if (s.code() == Errc::would_block && (++rx_idle_ % liveness_every) == 0) {
      if (Status peer = rx_.check_peer(); !peer) return peer;  // the ring is drained: would_block said so
    }
    if (s) rx_idle_ = 0;
    return received(s);
  }

  // Copies `message` into a loaned buffer and publishes it. would_block when
  // no buffer is free and `wait` is false (or the message fits the ring: the
  // caller then sends it inline); with `wait`, a message only a buffer can
  // hold waits for one until the deadline (the receiver wakes us when it
  // returns one; the wait checks the peer's life).
  Status send_loaned(std::span<const std::byte> message, Deadline deadline, bool wait) {
    const bool must_wait = wait && message.size() > tx_.max_message_size();
    auto loan = must_wait ? tx_.loan(message.size(), deadline) : tx_.loan(message.size());
    if (!loan) return loan.error();
    if (!message.empty()) std::memcpy(loan->bytes().data(), message.data(), message.size());
    Status s = wait ? tx_.send_loan(std::move(*loan), deadline) : tx_.try_send_loan(std::move(*loan));
    if (s) ++send_path_counts.loans;
    return s;  // on error the loan drops here and its buffer returns to the pool
  }

  shm::RingSender tx_;
  shm::RingReceiver rx_;
  Fd doorbell_;  // the handshake socket (SOCK_SEQPACKET), kept for readable_fd
  PeerInfo peer_;
  SendPath path_;
  std::size_t crossover_;
  unsigned tx_idle_ = 0;
  // Receive side.
  unsigned rx_idle_ = 0;
  bool event_mode_ = false;        // readable_fd() was asked for
  bool event_armed_ = false;       // we set receiver_event_armed and have not cleared it
  bool doorbell_closed_ = false;   // the doorbell read end-of-file
};

// Both sides after the hellos: watch the peer's life with two pidfds (one per
// ring), learn its credentials, keep (a duplicate of) the socket as the doorbell.
Result<Connection> finish(const Fd& socket, shm::RingSender tx, shm::RingReceiver rx, const EndpointOptions& options) {
  auto cred = platform::peer_credentials(socket);
  if (!cred) return cred.error();
  auto pidfd = platform::peer_pidfd(socket);
  if (!pidfd) return pidfd.error();
  auto second = pidfd->duplicate();
  if (!second) return second.error();
  auto doorbell = socket.duplicate();
  if (!doorbell) return doorbell.error();
  tx.watch_peer(std::move(*pidfd));
  rx.watch_peer(std::move(*second));
  tx.drop_fds();
  return Connection(std::make_unique<ShmConnection>(std::move(tx), std::move(rx), std::move(*doorbell),
                                                    PeerInfo{cred->pid, cred->uid, cred->gid, true},
                                                    options.send_path, crossover_of(options)));
}

// Receives a hello with exactly `fds_expected` descriptors.
Result<std::pair<HelloKind, std::vector<Fd>>> recv_hello(const Fd& socket, Deadline deadline) {
  Hello buffer{};
  auto got = platform::recv_fds(socket, buffer, deadline);
  if (!got) return got.error();
  auto kind = parse_hello(std::span<const std::byte>(buffer).first(got->payload_bytes));
  if (!kind) return kind.error();
  return std::pair<HelloKind, std::vector<Fd>>(*kind, std::move(got->fds));
}

class ShmListener final : public ListenerImpl {
 public:
  ShmListener(Fd socket, const ListenOptions& options) : socket_(std::move(socket)), options_(options) {}

  Result<Connection> accept(Deadline deadline) override {
    for (;;) {
      auto client = platform::accept_unix(socket_, deadline);
      if (!client) {
        if (client.code() == Errc::timed_out) return Error{Errc::timed_out, "no shm connection before the deadline"};
        return client.error();
      }
      // The caller's deadline bounds the wait for a client, not the handshake
      // of one already accepted: cutting that short would turn a client that
      // connected in time into a `refused` (seen with servers that accept in
      // short slices). handshake_timeout alone bounds it.
      auto conn = handshake(*client, Deadline::after(options_.handshake_timeout));
      if (conn) {
        ++stats_.accepted;
        return conn;
      }
      // This client is refused or broken; keep serving the others.
      if (conn.code() != Errc::permission_denied) ++stats_.failed_handshakes;
      if (deadline.expired()) return Error{Errc::timed_out, "no usable shm connection before the deadline"};
    }
  }
  Scheme scheme() const noexcept override { return Scheme::shm; }

 private:
  Result<Connection> handshake(const Fd& client, Deadline deadline) {
    auto cred = platform::peer_credentials(client);
    if (!cred) return cred.error();
    if (!uid_allowed(options_.allowed_uids, cred->uid)) {
      ++stats_.refused_uid;
      // Read the client's hello first (its descriptors are closed unused):
      // closing a socket with unread data resets it, and the client would see
      // ECONNRESET instead of our refusal.
      (void)recv_hello(client, deadline);
      const Hello refusal = make_hello(HelloKind::refused_uid);
      (void)platform::send_fds(client, refusal, {}, Deadline::now_or_never());
      return Error{Errc::permission_denied, "peer uid not in allowed_uids"};
    }
    auto hello = recv_hello(client, deadline);
    if (!hello) return hello.error();
    if (hello->first != HelloKind::client || !hello_fd_count_ok(hello->second.size())) {
      return Error{Errc::corrupted, "shm handshake: expected a client hello with two or three descriptors"};
    }
    auto rx = attach_ring(hello->second, options_.wait);
    if (!rx) return rx.error();
    auto tx = shm::RingSender::create(ring_config(options_), options_.wait);
    if (!tx) return tx.error();
    const Hello reply = make_hello(HelloKind::server);
    const std::vector<int> fds = ring_fds(*tx);
    if (Status s = platform::send_fds(client, reply, fds, deadline); !s) return s.error();
    return finish(client, std::move(*tx), std::move(*rx), options_);
  }

  Fd socket_;
  ListenOptions options_;
};

}  // namespace

Result<std::unique_ptr<ListenerImpl>> listen_shm(std::string_view name, const ListenOptions& options) {
  auto socket = platform::listen_unix(socket_name(name), platform::SocketType::seqpacket, options.backlog);
  if (!socket) {
    if (socket.code() == Errc::address_in_use) {
      return Error{Errc::address_in_use, "another process already listens at this shm:// name"};
    }
    return socket.error();
  }
  return std::unique_ptr<ListenerImpl>(std::make_unique<ShmListener>(std::move(*socket), options));
}

Result<Connection> connect_shm(std::string_view name, Deadline deadline, const ConnectOptions& options) {
  auto socket = platform::connect_unix(socket_name(name), platform::SocketType::seqpacket, deadline);
  if (!socket) {
    if (socket.code() == Errc::refused) return Error{Errc::refused, "no listener at this shm:// address"};
    return socket.error();
  }
  auto tx = shm::RingSender::create(ring_config(options), options.wait);
  if (!tx) return tx.error();
  const Hello hello = make_hello(HelloKind::client);
  const std::vector<int> fds = ring_fds(*tx);
  // A listener that refuses us may close before reading: then this send fails
  // and its refusal is still waiting to be read below.
  const Status sent = platform::send_fds(*socket, hello, fds, deadline);
  auto reply = recv_hello(*socket, deadline);
  if (!reply) {
    if (reply.code() == Errc::closed) {
      return Error{Errc::refused, "the shm listener closed the connection during the handshake"};
    }
    if (reply.code() == Errc::timed_out) {
      return Error{Errc::timed_out, "the shm listener did not complete the handshake before the deadline"};
    }
    return reply.error();
  }
  if (reply->first == HelloKind::refused_uid) {
    return Error{Errc::permission_denied, "the shm listener refused this uid (ListenOptions::allowed_uids)"};
  }
  if (!sent) return sent.error();
  if (reply->first != HelloKind::server || !hello_fd_count_ok(reply->second.size())) {
    return Error{Errc::corrupted, "shm handshake: expected a server hello with two or three descriptors"};
  }
  auto rx = attach_ring(reply->second, options.wait);
  if (!rx) return rx.error();
  return finish(*socket, std::move(*tx), std::move(*rx), options);
}

}  // namespace missive::transport::detail

namespace missive::transport {

ScopedSendPath::ScopedSendPath(SendPath path) noexcept : previous_(detail::scoped_send_path) {
  detail::scoped_send_path = path;
}
ScopedSendPath::~ScopedSendPath() { detail::scoped_send_path = previous_; }

SendPathCounts this_thread_send_path_counts() noexcept { return detail::send_path_counts; }

}  // namespace missive::transport
