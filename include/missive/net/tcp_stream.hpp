// missive/net/tcp_stream.hpp - TcpStream and TcpListener: framed messages over TCP.
//
//   auto listener = TcpListener::listen("tcp://127.0.0.1:0").value();   // port 0: a free port
//   auto client   = TcpStream::connect(listener.address(), Deadline::after(1s)).value();
//   auto server   = listener.accept(Deadline::after(1s)).value();
//   client.send(payload, Deadline::after(1s));  server.recv(buffer, Deadline::after(1s));
//
// Addresses are "tcp://HOST:PORT" with HOST a numeric IPv4 address, a
// bracketed IPv6 address ("tcp://[::1]:7000") or "localhost". Names are not
// resolved (no DNS on the connect path, so the deadline is the whole cost).
//
// Standalone Asio opens, binds, listens, accepts and connects (each with a
// Deadline: asynchronous operation + io_context::run_for). A connected
// socket then carries the SAME frames as a Unix stream: it is handed to
// UnixStream (SOCK_STREAM mode), whose framer, limits, vectored writes and
// sticky receive errors apply unchanged (unix_stream.hpp). TCP_NODELAY is
// set: a frame is written by one sendmsg, so Nagle would only add latency.
//
// A TcpStream is NOT authenticated by itself: tcp_auth.hpp runs the Ed25519
// handshake over it before any protocol traffic.
//
// Contract: as UnixStream (one sender thread and one receiver thread may run
// concurrently; close and moves need both idle). TcpListener: one accepting
// thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "missive/core/deadline.hpp"
#include "missive/core/result.hpp"
#include "missive/net/unix_stream.hpp"

namespace missive::net {

// A parsed "tcp://HOST:PORT".
struct TcpAddress {
  std::string host;  // numeric, without brackets ("127.0.0.1", "::1")
  std::uint16_t port = 0;

  // invalid_argument for anything but tcp://HOST:PORT as described above.
  [[nodiscard]] static Result<TcpAddress> parse(std::string_view address);
  // "tcp://127.0.0.1:7000" / "tcp://[::1]:7000".
  [[nodiscard]] std::string to_string() const;
};

class TcpStream {
 public:
  // refused when nobody listens, timed_out at the deadline (the attempt is
  // cancelled; no socket is left behind), invalid_argument for a bad address.
  [[nodiscard]] static Result<TcpStream> connect(std::string_view address, Deadline deadline,
                                                 const StreamOptions& options = {});
  // Wraps a connected TCP socket.
  [[nodiscard]] static TcpStream adopt(platform::Fd socket, const StreamOptions& options = {});

  // Frames: exactly UnixStream's calls and errors (unix_stream.hpp).
  [[nodiscard]] Status send(std::span<const std::byte> payload, Deadline deadline,
                            const FrameHeaderFields& fields = {}) {
    return frames_.send(payload, deadline, fields);
  }
  [[nodiscard]] Status try_send(std::span<const std::byte> payload, const FrameHeaderFields& fields = {}) {
    return frames_.try_send(payload, fields);
  }
  [[nodiscard]] Result<std::size_t> send_batch(std::span<const std::span<const std::byte>> payloads,
                                               Deadline deadline, const FrameHeaderFields& fields = {}) {
    return frames_.send_batch(payloads, deadline, fields);
  }
  [[nodiscard]] Status flush(Deadline deadline) { return frames_.flush(deadline); }
  [[nodiscard]] Result<FrameHeaderFields> recv(std::vector<std::byte>& payload, Deadline deadline) {
    return frames_.recv(payload, deadline);
  }
  [[nodiscard]] Result<FrameHeaderFields> try_recv(std::vector<std::byte>& payload) {
    return frames_.try_recv(payload);
  }
  void close() noexcept { frames_.close(); }
  // Half-close: no more bytes from this side (the peer reads EOF), reads go on.
  void shutdown_send() noexcept;

  [[nodiscard]] const platform::Fd& fd() const noexcept { return frames_.fd(); }
  // The framed stream this connection carries, for code that drives every
  // stream transport through UnixStream's calls (transport's tcp://).
  [[nodiscard]] UnixStream into_frames() && noexcept { return std::move(frames_); }
  [[nodiscard]] std::size_t max_payload() const noexcept { return frames_.max_payload(); }

 private:
  explicit TcpStream(UnixStream frames) noexcept : frames_(std::move(frames)) {}
  UnixStream frames_;
};

class TcpListener {
 public:
  // Port 0 binds a free port (address() then names the real one).
  // address_in_use, invalid_argument, permission_denied, system errors.
  [[nodiscard]] static Result<TcpListener> listen(std::string_view address, const StreamOptions& options = {},
                                                  int backlog = 64);

  TcpListener(TcpListener&&) noexcept;
  TcpListener& operator=(TcpListener&&) noexcept;
  ~TcpListener();

  // The next connection, or timed_out at the deadline.
  [[nodiscard]] Result<TcpStream> accept(Deadline deadline);

  // "tcp://HOST:PORT" with the bound port.
  [[nodiscard]] const std::string& address() const noexcept { return address_; }
  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }

 private:
  struct Impl;
  TcpListener(std::unique_ptr<Impl> impl, std::string address, std::uint16_t port, const StreamOptions& options);

  std::unique_ptr<Impl> impl_;
  std::string address_;
  std::uint16_t port_ = 0;
  StreamOptions options_;
};

}  // namespace missive::net
