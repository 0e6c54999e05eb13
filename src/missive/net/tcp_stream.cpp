// TcpStream and TcpListener (tcp_stream.hpp): Asio for the socket setup, UnixStream for the frames.
#include "missive/net/tcp_stream.hpp"

#include <sys/socket.h>

#include <charconv>
#include <optional>

#include <asio.hpp>

namespace missive::net {
namespace {

using asio::ip::tcp;

constexpr std::string_view scheme = "tcp://";

Error from_asio(const asio::error_code& ec, const char* detail) noexcept {
  if (ec == asio::error::connection_refused) return Error{Errc::refused, "nobody listens at the tcp address"};
  if (ec == asio::error::address_in_use) return Error{Errc::address_in_use, "the tcp address is taken"};
  if (ec == asio::error::access_denied) return Error{Errc::permission_denied, "not allowed to bind the tcp address"};
  if (ec == std::errc::address_not_available) {
    return Error{Errc::invalid_argument, "the tcp address is not local to this host"};
  }
  if (ec == asio::error::network_unreachable || ec == asio::error::host_unreachable) {
    return Error{Errc::refused, "the tcp address is unreachable"};
  }
  return Error{Errc::system_error, detail};
}

// Runs `io` until `done` or the deadline; false when the deadline came first.
bool run_until_done(asio::io_context& io, const bool& done, Deadline deadline) {
  io.restart();
  while (!done) {
    if (deadline.is_never()) {
      io.run_one();
      continue;
    }
    const auto left = deadline.remaining();
    if (left <= Clock::duration::zero()) return false;
    io.run_one_for(left);
  }
  return true;
}

// Cancels the pending operation of `object` and lets its handler run, so
// nothing refers to this stack frame once we return.
template <class Object>
void cancel_and_drain(asio::io_context& io, Object& object, const bool& done) {
  asio::error_code ignored;
  object.close(ignored);
  io.restart();
  while (!done) io.run_one();
}

Result<tcp::endpoint> endpoint_of(std::string_view address) {
  auto parsed = TcpAddress::parse(address);
  if (!parsed) return parsed.error();
  asio::error_code ec;
  const asio::ip::address ip = asio::ip::make_address(parsed->host, ec);
  if (ec) return Error{Errc::invalid_argument, "tcp host is not a numeric address or localhost"};
  return tcp::endpoint(ip, parsed->port);
}

}  // namespace

Result<TcpAddress> TcpAddress::parse(std::string_view address) {
  if (!address.starts_with(scheme)) return Error{Errc::invalid_argument, "tcp address must start with tcp://"};
  std::string_view rest = address.substr(scheme.size());
  std::string_view host;
  std::string_view port;
  if (rest.starts_with('[')) {
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos || close + 1 >= rest.size() || rest[close + 1] != ':') {
      return Error{Errc::invalid_argument, "tcp address: expected [IPV6]:PORT"};
    }
    host = rest.substr(1, close - 1);
    port = rest.substr(close + 2);
  } else {
    const std::size_t colon = rest.rfind(':');
    if (colon == std::string_view::npos) return Error{Errc::invalid_argument, "tcp address: expected HOST:PORT"};
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return Error{Errc::invalid_argument, "tcp address: put an IPv6 host in brackets"};
    }
  }
  if (host.empty()) return Error{Errc::invalid_argument, "tcp address: empty host"};
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || value > 65535) {
    return Error{Errc::invalid_argument, "tcp address: port must be a number 0..65535"};
  }
  TcpAddress out;
  out.host = host == "localhost" ? std::string("127.0.0.1") : std::string(host);
  out.port = static_cast<std::uint16_t>(value);
  asio::error_code bad;
  (void)asio::ip::make_address(out.host, bad);
  if (bad) return Error{Errc::invalid_argument, "tcp host is not a numeric address or localhost"};
  return out;
}

std::string TcpAddress::to_string() const {
  const bool v6 = host.find(':') != std::string::npos;
  return std::string(scheme) + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

// ------------------------------------------------------------------ stream

Result<TcpStream> TcpStream::connect(std::string_view address, Deadline deadline, const StreamOptions& options) {
  auto endpoint = endpoint_of(address);
  if (!endpoint) return endpoint.error();
  asio::io_context io;
  tcp::socket socket(io);
  bool done = false;
  asio::error_code result;
  socket.async_connect(*endpoint, [&](const asio::error_code& ec) {
    result = ec;
    done = true;
  });
  if (!run_until_done(io, done, deadline)) {
    cancel_and_drain(io, socket, done);
    return Error{Errc::timed_out, "tcp connect did not complete before the deadline"};
  }
  if (result) return from_asio(result, "tcp connect failed");
  asio::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  if (ec) return from_asio(ec, "setting TCP_NODELAY failed");
  return adopt(platform::Fd(socket.release()), options);
}

TcpStream TcpStream::adopt(platform::Fd socket, const StreamOptions& options) {
  return TcpStream(UnixStream::adopt(std::move(socket), platform::SocketType::stream, options));
}

void TcpStream::shutdown_send() noexcept {
  if (fd()) (void)::shutdown(fd().get(), SHUT_WR);
}

// ---------------------------------------------------------------- listener

struct TcpListener::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io};
};

TcpListener::TcpListener(std::unique_ptr<Impl> impl, std::string address, std::uint16_t port,
                         const StreamOptions& options)
    : impl_(std::move(impl)), address_(std::move(address)), port_(port), options_(options) {}
TcpListener::TcpListener(TcpListener&&) noexcept = default;
TcpListener& TcpListener::operator=(TcpListener&&) noexcept = default;
TcpListener::~TcpListener() = default;

Result<TcpListener> TcpListener::listen(std::string_view address, const StreamOptions& options, int backlog) {
  auto endpoint = endpoint_of(address);
  if (!endpoint) return endpoint.error();
  auto impl = std::make_unique<Impl>();
  asio::error_code ec;
  impl->acceptor.open(endpoint->protocol(), ec);
  if (ec) return from_asio(ec, "opening a tcp socket failed");
  // A restarted node must get its port back while old connections sit in TIME_WAIT.
  impl->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (ec) return from_asio(ec, "setting SO_REUSEADDR failed");
  impl->acceptor.bind(*endpoint, ec);
  if (ec) return from_asio(ec, "binding the tcp address failed");
  impl->acceptor.listen(backlog, ec);
  if (ec) return from_asio(ec, "listening on the tcp address failed");
  const tcp::endpoint bound = impl->acceptor.local_endpoint(ec);
  if (ec) return from_asio(ec, "reading the bound tcp address failed");
  TcpAddress named{bound.address().to_string(), bound.port()};
  return TcpListener(std::move(impl), named.to_string(), bound.port(), options);
}

Result<TcpStream> TcpListener::accept(Deadline deadline) {
  if (!impl_ || !impl_->acceptor.is_open()) return Error{Errc::closed, "the tcp listener is closed"};
  tcp::socket socket(impl_->io);
  bool done = false;
  asio::error_code result;
  impl_->acceptor.async_accept(socket, [&](const asio::error_code& ec) {
    result = ec;
    done = true;
  });
  if (!run_until_done(impl_->io, done, deadline)) {
    // Cancel (not close) the acceptor: it keeps listening for the next call.
    asio::error_code ignored;
    impl_->acceptor.cancel(ignored);
    impl_->io.restart();
    while (!done) impl_->io.run_one();
    if (!result) {
      // The connection arrived just as we gave up: keep it rather than drop it.
      socket.set_option(tcp::no_delay(true), ignored);
      return TcpStream::adopt(platform::Fd(socket.release()), options_);
    }
    return Error{Errc::timed_out, "no tcp connection arrived before the deadline"};
  }
  if (result) return from_asio(result, "tcp accept failed");
  asio::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  if (ec) return from_asio(ec, "setting TCP_NODELAY failed");
  return TcpStream::adopt(platform::Fd(socket.release()), options_);
}

}  // namespace missive::net
