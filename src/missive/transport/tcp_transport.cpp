// tcp:// - framed messages over TCP (net::TcpStream), carried by the same
// stream connection as unix:// (unix_transport.cpp).
//
// A TCP peer has no SO_PEERCRED: PeerInfo is unknown, so a listener given
// allowed_uids refuses to start rather than admit everyone silently. Who a
// TCP peer is gets settled above this layer (net/tcp_auth.hpp: Ed25519 keys).
#include "impl.hpp"
#include "missive/net/tcp_stream.hpp"

namespace missive::transport::detail {
namespace {

class TcpTransportListener final : public ListenerImpl {
 public:
  explicit TcpTransportListener(net::TcpListener listener) : listener_(std::move(listener)) {}

  Result<Connection> accept(Deadline deadline) override {
    auto stream = listener_.accept(deadline);
    if (!stream) {
      if (stream.code() == Errc::timed_out) return Error{Errc::timed_out, "no tcp connection before the deadline"};
      return stream.error();
    }
    ++stats_.accepted;
    return stream_connection(std::move(*stream).into_frames(), PeerInfo{}, Scheme::tcp);
  }
  Scheme scheme() const noexcept override { return Scheme::tcp; }
  std::string bound_address() const override { return listener_.address(); }

 private:
  net::TcpListener listener_;
};

}  // namespace

Result<std::unique_ptr<ListenerImpl>> listen_tcp(std::string_view address, const ListenOptions& options) {
  if (!options.allowed_uids.empty()) {
    return Error{Errc::invalid_argument,
                 "allowed_uids needs a local peer (SO_PEERCRED); tcp:// peers authenticate by key (net/tcp_auth.hpp)"};
  }
  auto listener = net::TcpListener::listen(address, stream_options(options), options.backlog);
  if (!listener) return listener.error();
  return std::unique_ptr<ListenerImpl>(std::make_unique<TcpTransportListener>(std::move(*listener)));
}

Result<Connection> connect_tcp(std::string_view address, Deadline deadline, const ConnectOptions& options) {
  auto stream = net::TcpStream::connect(address, deadline, stream_options(options));
  if (!stream) {
    if (stream.code() == Errc::refused) return Error{Errc::refused, "no listener at this tcp address"};
    return stream.error();
  }
  return stream_connection(std::move(*stream).into_frames(), PeerInfo{}, Scheme::tcp);
}

}  // namespace missive::transport::detail
