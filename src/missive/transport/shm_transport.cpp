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
//         the socket is closed, the rings carry everything from here on.
//
// Handshake message: 16 bytes, little-endian:
//   0..3 magic "mShk", 4 version (1), 5 kind (1 hello_client, 2 hello_server,
//   3 refused_uid), 6..15 zero.
#include <unistd.h>

#include <array>
#include <string>

#include "impl.hpp"
#include "missive/platform/credentials.hpp"
#include "missive/platform/fd_passing.hpp"
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

Deadline earlier(Deadline a, Deadline b) noexcept { return a.when() <= b.when() ? a : b; }

class ShmConnection final : public ConnectionImpl {
 public:
  ShmConnection(shm::RingSender tx, shm::RingReceiver rx, PeerInfo peer) noexcept
      : tx_(std::move(tx)), rx_(std::move(rx)), peer_(peer) {}
  ~ShmConnection() override { close(); }

  Status send(std::span<const std::byte> message, Deadline deadline) override { return tx_.send(message, deadline); }
  Status try_send(std::span<const std::byte> message) override {
    Status s = tx_.try_send(message);
    // A dead receiver never drains the ring: without this check a try_send
    // loop against it would see would_block forever.
    if (s.code() == Errc::would_block && (++tx_idle_ % liveness_every) == 0) {
      if (Status peer = tx_.check_peer(); !peer) return peer;
    }
    if (s) tx_idle_ = 0;
    return s;
  }
  Status recv(std::vector<std::byte>& out, Deadline deadline) override { return rx_.recv(out, deadline); }
  Status try_recv(std::vector<std::byte>& out) override {
    Status s = rx_.try_recv(out);
    if (s.code() == Errc::would_block && (++rx_idle_ % liveness_every) == 0) {
      if (Status peer = rx_.check_peer(); !peer) return peer;  // the ring is drained: would_block said so
    }
    if (s) rx_idle_ = 0;
    return s;
  }
  void close() noexcept override {
    tx_.close();
    rx_.close();
  }
  PeerInfo peer() const noexcept override { return peer_; }
  Scheme scheme() const noexcept override { return Scheme::shm; }
  std::size_t max_message_size() const noexcept override { return tx_.max_message_size(); }

 private:
  // try_* calls that would block check the peer's pidfd (one poll) this often.
  static constexpr unsigned liveness_every = 256;

  shm::RingSender tx_;
  shm::RingReceiver rx_;
  PeerInfo peer_;
  unsigned tx_idle_ = 0;
  unsigned rx_idle_ = 0;
};

// Both sides after the hellos: watch the peer's life with two pidfds (one per
// ring), learn its credentials, close the socket.
Result<Connection> finish(const Fd& socket, shm::RingSender tx, shm::RingReceiver rx) {
  auto cred = platform::peer_credentials(socket);
  if (!cred) return cred.error();
  auto pidfd = platform::peer_pidfd(socket);
  if (!pidfd) return pidfd.error();
  auto second = pidfd->duplicate();
  if (!second) return second.error();
  tx.watch_peer(std::move(*pidfd));
  rx.watch_peer(std::move(*second));
  tx.drop_fds();
  return Connection(std::make_unique<ShmConnection>(std::move(tx), std::move(rx),
                                                    PeerInfo{cred->pid, cred->uid, cred->gid, true}));
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
      auto conn = handshake(*client, earlier(deadline, Deadline::after(options_.handshake_timeout)));
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
    if (hello->first != HelloKind::client || hello->second.size() != 2) {
      return Error{Errc::corrupted, "shm handshake: expected a client hello with two descriptors"};
    }
    auto rx = shm::RingReceiver::attach(std::move(hello->second[0]), std::move(hello->second[1]), options_.wait);
    if (!rx) return rx.error();
    auto tx = shm::RingSender::create(options_.ring, options_.wait);
    if (!tx) return tx.error();
    const Hello reply = make_hello(HelloKind::server);
    const int fds[2] = {tx->data_fd().get(), tx->control_fd().get()};
    if (Status s = platform::send_fds(client, reply, fds, deadline); !s) return s.error();
    return finish(client, std::move(*tx), std::move(*rx));
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
  auto tx = shm::RingSender::create(options.ring, options.wait);
  if (!tx) return tx.error();
  const Hello hello = make_hello(HelloKind::client);
  const int fds[2] = {tx->data_fd().get(), tx->control_fd().get()};
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
  if (reply->first != HelloKind::server || reply->second.size() != 2) {
    return Error{Errc::corrupted, "shm handshake: expected a server hello with two descriptors"};
  }
  auto rx = shm::RingReceiver::attach(std::move(reply->second[0]), std::move(reply->second[1]), options.wait);
  if (!rx) return rx.error();
  return finish(*socket, std::move(*tx), std::move(*rx));
}

}  // namespace missive::transport::detail
