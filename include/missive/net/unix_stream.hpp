// missive/net/unix_stream.hpp - UnixStream: framed messages over a connected Unix socket.
//
// Every message is one wire frame (missive/wire/frame.hpp): a 32-byte header,
// then the payload. Two socket types:
//   stream     - SOCK_STREAM: frames are written back to back; a buffered
//                reader learns each frame's size from decode_header() (limits
//                enforced before the buffer grows) and copes with partial
//                reads. One read may bring many small frames; they are decoded
//                from the buffer without further system calls.
//   seqpacket  - SOCK_SEQPACKET: exactly one frame per packet; a packet whose
//                length differs from its frame's size is malformed_frame.
//                One packet must fit the socket's send buffer (too_large).
//
// Writes are vectored: header and payload go out in one sendmsg (no copy into
// a staging buffer), and send_batch() writes many frames in one sendmsg on a
// stream socket. Every call uses MSG_DONTWAIT | MSG_NOSIGNAL and waits with
// poll(2) against its Deadline, so nothing blocks past it and a vanished peer
// is an error value (closed), never SIGPIPE.
//
// Contract
// - Send side (send, try_send, send_batch, flush) and receive side (recv,
//   try_recv) each belong to one thread at a time; the two sides may run
//   concurrently on different threads. close() and moves need both sides idle.
// - A frame is sent when the call returns ok. On a stream socket the kernel
//   may take only part of a frame; the rest is then kept in a pending buffer
//   (at most one call's worth of frames) and written before anything else by
//   the next send or flush, so ok means "committed": the peer receives it
//   unless this side closes before the pending bytes drained (has_pending()).
//   On any error nothing of the refused frame(s) was written.
// - The peer is untrusted: a byte stream that is not a sequence of valid
//   frames fails recv with the wire error (bad_magic, unsupported_version,
//   malformed_frame, too_large, bad_checksum, truncated). Such errors are
//   sticky for the receive side: the stream has lost its framing.
// - Orderly EOF between frames: closed. EOF inside a frame: closed (detail
//   says so). ECONNRESET / EPIPE: closed.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "missive/core/deadline.hpp"
#include "missive/core/result.hpp"
#include "missive/platform/fd.hpp"
#include "missive/platform/unix_socket.hpp"
#include "missive/wire/frame.hpp"

namespace missive::net {

struct StreamOptions {
  // Largest frame (header + payload) accepted or sent.
  FrameLimits limits{};
  // Bytes asked of the kernel per read on a stream socket (the buffer grows
  // beyond this only for a frame that needs it, within limits).
  std::size_t read_chunk = 64 * 1024;
};

class UnixStream {
 public:
  // Connects to a unix address ("@abstract" or a path). refused when nobody
  // listens, timed_out at the deadline, invalid_argument for a bad address.
  [[nodiscard]] static Result<UnixStream> connect(std::string_view address, platform::SocketType type,
                                                  Deadline deadline, const StreamOptions& options = {});
  // Wraps an already connected socket (from accept or socket_pair).
  [[nodiscard]] static UnixStream adopt(platform::Fd socket, platform::SocketType type,
                                        const StreamOptions& options = {});
  // Two connected streams (tests, parent/child).
  [[nodiscard]] static Result<std::pair<UnixStream, UnixStream>> pair(platform::SocketType type,
                                                                      const StreamOptions& options = {});

  UnixStream(UnixStream&&) noexcept = default;
  UnixStream& operator=(UnixStream&&) noexcept = default;
  UnixStream(const UnixStream&) = delete;
  UnixStream& operator=(const UnixStream&) = delete;
  ~UnixStream() = default;

  // Send side. Sends one frame, waiting for socket room until the deadline:
  // ok, timed_out (nothing written), too_large, closed, system errors.
  [[nodiscard]] Status send(std::span<const std::byte> payload, Deadline deadline,
                            const FrameHeaderFields& fields = {});
  // Send side. As send, never waiting: would_block instead of timed_out.
  [[nodiscard]] Status try_send(std::span<const std::byte> payload, const FrameHeaderFields& fields = {});
  // Send side. Sends every payload as its own frame, in order, with as few
  // system calls as the kernel allows (one sendmsg per up to 256 frames on a
  // stream socket; one packet each on seqpacket). Returns how many frames were
  // sent when that is at least one; otherwise the error (as send). All frames
  // share `fields`.
  [[nodiscard]] Result<std::size_t> send_batch(std::span<const std::span<const std::byte>> payloads,
                                               Deadline deadline, const FrameHeaderFields& fields = {});
  // Send side. Writes pending bytes of a partly written frame: ok when none
  // remain, timed_out at the deadline.
  [[nodiscard]] Status flush(Deadline deadline);
  [[nodiscard]] bool has_pending() const noexcept { return pending_begin_ < pending_.size(); }

  // Receive side. The next frame's payload into `payload` (resized; its
  // capacity is reused) and its header fields. timed_out, closed, wire errors.
  [[nodiscard]] Result<FrameHeaderFields> recv(std::vector<std::byte>& payload, Deadline deadline);
  // Receive side. As recv, never waiting: would_block when no whole frame is
  // buffered or readable now.
  [[nodiscard]] Result<FrameHeaderFields> try_recv(std::vector<std::byte>& payload);

  // Flushes pending bytes if the socket takes them at once, then closes the
  // socket. Later calls fail with closed. Idempotent.
  void close() noexcept;

  [[nodiscard]] const platform::Fd& fd() const noexcept { return fd_; }
  [[nodiscard]] platform::SocketType type() const noexcept { return type_; }
  [[nodiscard]] const StreamOptions& options() const noexcept { return options_; }
  // Largest payload send() accepts.
  [[nodiscard]] std::size_t max_payload() const noexcept;

 private:
  UnixStream(platform::Fd socket, platform::SocketType type, const StreamOptions& options) noexcept
      : fd_(std::move(socket)), type_(type), options_(options) {}

  [[nodiscard]] Result<std::size_t> send_frames(std::span<const std::span<const std::byte>> payloads,
                                                const FrameHeaderFields& fields, Deadline deadline, bool try_only);
  [[nodiscard]] Result<std::size_t> send_stream_chunk(std::span<const std::span<const std::byte>> payloads,
                                                      const FrameHeaderFields& fields, Deadline deadline,
                                                      bool try_only);
  [[nodiscard]] Status send_packet(std::span<const std::byte> payload, const FrameHeaderFields& fields,
                                   Deadline deadline, bool try_only);
  [[nodiscard]] Status write_pending(Deadline deadline, bool try_only);
  [[nodiscard]] Result<FrameHeaderFields> recv_impl(std::vector<std::byte>& payload, Deadline deadline,
                                                    bool try_only);
  [[nodiscard]] Result<FrameHeaderFields> recv_stream(std::vector<std::byte>& payload, Deadline deadline,
                                                      bool try_only);
  [[nodiscard]] Result<FrameHeaderFields> recv_packet(std::vector<std::byte>& payload, Deadline deadline,
                                                      bool try_only);
  [[nodiscard]] Error fail_recv(Error error) noexcept;

  platform::Fd fd_;
  platform::SocketType type_ = platform::SocketType::stream;
  StreamOptions options_;

  // Send side: the unsent tail of a partly written batch.
  std::vector<std::byte> pending_;
  std::size_t pending_begin_ = 0;
  Error send_failure_{};  // sticky: the connection broke while writing

  // Receive side: buffered bytes are in_[in_begin_, in_end_).
  std::vector<std::byte> in_;
  std::size_t in_begin_ = 0;
  std::size_t in_end_ = 0;
  bool eof_ = false;
  Error recv_failure_{};  // sticky: framing lost or the connection broke
};

}  // namespace missive::net
