// unix:// - framed messages over a SOCK_STREAM Unix socket (net::UnixStream).
// The stream connection here also carries tcp:// (tcp_transport.cpp).
#include "impl.hpp"
#include "missive/net/unix_listener.hpp"
#include "missive/net/unix_stream.hpp"
#include "missive/platform/credentials.hpp"

namespace missive::transport::detail {

net::StreamOptions stream_options(const EndpointOptions& options) {
  net::StreamOptions out;
  out.limits = options.limits;
  return out;
}

namespace {

class StreamConnection final : public ConnectionImpl {
 public:
  StreamConnection(net::UnixStream stream, PeerInfo peer, Scheme scheme) noexcept
      : stream_(std::move(stream)), peer_(peer), scheme_(scheme) {}
  ~StreamConnection() override { close(); }

  Status send(std::span<const std::byte> message, Deadline deadline) override {
    return stream_.send(message, deadline);
  }
  Status try_send(std::span<const std::byte> message) override { return stream_.try_send(message); }
  Status recv(std::vector<std::byte>& out, Deadline deadline) override {
    auto fields = stream_.recv(out, deadline);
    return fields ? ok() : Status(fields.error());
  }
  Status try_recv(std::vector<std::byte>& out) override {
    auto fields = stream_.try_recv(out);
    return fields ? ok() : Status(fields.error());
  }
  // The socket itself: readable when bytes arrive or the peer hangs up. A
  // try_recv that says would_block has read the socket to EAGAIN with no whole
  // frame buffered, so any later frame makes it readable.
  Result<int> readable_fd() override { return stream_.fd().get(); }
  void close() noexcept override {
    if (stream_.has_pending()) (void)stream_.flush(Deadline::after(std::chrono::milliseconds(100)));
    stream_.close();
  }
  PeerInfo peer() const noexcept override { return peer_; }
  Scheme scheme() const noexcept override { return scheme_; }
  std::size_t max_message_size() const noexcept override { return stream_.max_payload(); }

 private:
  net::UnixStream stream_;
  PeerInfo peer_;
  Scheme scheme_;
};

PeerInfo peer_of(const net::UnixStream& stream) {
  auto cred = platform::peer_credentials(stream.fd());
  if (!cred) return PeerInfo{};
  return PeerInfo{cred->pid, cred->uid, cred->gid, true};
}

class UnixTransportListener final : public ListenerImpl {
 public:
  UnixTransportListener(net::UnixListener listener, const ListenOptions& options)
      : listener_(std::move(listener)), options_(options) {}

  Result<Connection> accept(Deadline deadline) override {
    for (;;) {
      auto stream = listener_.accept(deadline);
      if (!stream) {
        if (stream.code() == Errc::timed_out) return Error{Errc::timed_out, "no unix connection before the deadline"};
        return stream.error();
      }
      const PeerInfo peer = peer_of(*stream);
      if (!peer.known || !uid_allowed(options_.allowed_uids, peer.uid)) {
        ++stats_.refused_uid;  // dropped: the connector sees its connection closed
        continue;
      }
      ++stats_.accepted;
      return stream_connection(std::move(*stream), peer, Scheme::unix_socket);
    }
  }
  Scheme scheme() const noexcept override { return Scheme::unix_socket; }

 private:
  net::UnixListener listener_;
  ListenOptions options_;
};

}  // namespace

Connection stream_connection(net::UnixStream stream, PeerInfo peer, Scheme scheme) {
  return Connection(std::make_unique<StreamConnection>(std::move(stream), peer, scheme));
}

Result<std::unique_ptr<ListenerImpl>> listen_unix(std::string_view address, const ListenOptions& options) {
  auto listener = net::UnixListener::listen(address, platform::SocketType::stream, stream_options(options),
                                            options.backlog);
  if (!listener) {
    if (listener.code() == Errc::address_in_use) {
      return Error{Errc::address_in_use, "the unix address is taken (a live listener, or a stale socket file)"};
    }
    return listener.error();
  }
  return std::unique_ptr<ListenerImpl>(std::make_unique<UnixTransportListener>(std::move(*listener), options));
}

Result<Connection> connect_unix(std::string_view address, Deadline deadline, const ConnectOptions& options) {
  auto stream = net::UnixStream::connect(address, platform::SocketType::stream, deadline, stream_options(options));
  if (!stream) {
    if (stream.code() == Errc::refused) return Error{Errc::refused, "no listener at this unix address"};
    return stream.error();
  }
  const PeerInfo peer = peer_of(*stream);
  return stream_connection(std::move(*stream), peer, Scheme::unix_socket);
}

}  // namespace missive::transport::detail
