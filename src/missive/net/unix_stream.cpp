#include "missive/net/unix_stream.hpp"

#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <poll.h>

#include "frame_header.hpp"
#include "missive/platform/poll.hpp"
#include "missive/platform/system_error.hpp"

namespace missive::net {
namespace {

using platform::SocketType;

constexpr int send_flags = MSG_DONTWAIT | MSG_NOSIGNAL;
// Frames per sendmsg on a stream socket: two iovecs each, well under IOV_MAX (1024).
constexpr std::size_t frames_per_sendmsg = 256;

Error closed_by_us() noexcept { return Error{Errc::closed, "this side closed the connection"}; }

// errno of a failed send/recv on a connected socket, as a missive error.
Error socket_error(int err, const char* detail) noexcept {
  if (err == EPIPE || err == ECONNRESET || err == ENOTCONN) {
    return Error{Errc::closed, "peer closed the connection (EPIPE/ECONNRESET)"};
  }
  return platform::error_from_errno(err, detail);
}

Error would_block_send() noexcept { return Error{Errc::would_block, "socket send buffer is full"}; }
Error would_block_recv() noexcept { return Error{Errc::would_block, "no complete frame available yet"}; }

}  // namespace

Result<UnixStream> UnixStream::connect(std::string_view address, SocketType type, Deadline deadline,
                                       const StreamOptions& options) {
  auto fd = platform::connect_unix(address, type, deadline);
  if (!fd) return fd.error();
  return UnixStream(std::move(*fd), type, options);
}

UnixStream UnixStream::adopt(platform::Fd socket, SocketType type, const StreamOptions& options) {
  return UnixStream(std::move(socket), type, options);
}

Result<std::pair<UnixStream, UnixStream>> UnixStream::pair(SocketType type, const StreamOptions& options) {
  auto fds = platform::socket_pair(type);
  if (!fds) return fds.error();
  return std::pair<UnixStream, UnixStream>(UnixStream(std::move(fds->first), type, options),
                                           UnixStream(std::move(fds->second), type, options));
}

std::size_t UnixStream::max_payload() const noexcept {
  const std::size_t limit = options_.limits.max_frame_bytes;
  if (limit < frame_header_size) return 0;
  return std::min(limit - frame_header_size, max_frame_payload);
}

// ---------------------------------------------------------------- send side

Status UnixStream::send(std::span<const std::byte> payload, Deadline deadline, const FrameHeaderFields& fields) {
  const std::span<const std::byte> one[1] = {payload};
  auto sent = send_frames(one, fields, deadline, false);
  return sent ? ok() : Status(sent.error());
}

Status UnixStream::try_send(std::span<const std::byte> payload, const FrameHeaderFields& fields) {
  const std::span<const std::byte> one[1] = {payload};
  auto sent = send_frames(one, fields, Deadline::now_or_never(), true);
  return sent ? ok() : Status(sent.error());
}

Result<std::size_t> UnixStream::send_batch(std::span<const std::span<const std::byte>> payloads, Deadline deadline,
                                           const FrameHeaderFields& fields) {
  return send_frames(payloads, fields, deadline, false);
}

Status UnixStream::flush(Deadline deadline) {
  if (!fd_) return closed_by_us();
  if (send_failure_.code != Errc::ok) return send_failure_;
  return write_pending(deadline, false);
}

Result<std::size_t> UnixStream::send_frames(std::span<const std::span<const std::byte>> payloads,
                                            const FrameHeaderFields& fields, Deadline deadline, bool try_only) {
  if (!fd_) return closed_by_us();
  if (send_failure_.code != Errc::ok) return send_failure_;
  if (payloads.empty()) return std::size_t{0};
  for (const auto& p : payloads) {
    if (p.size() > max_payload()) return Error{Errc::too_large, "payload above the frame limit (StreamOptions::limits)"};
  }
  // Frames of earlier calls go first; until they are out nothing new starts.
  if (Status s = write_pending(deadline, try_only); !s) return s.error();

  std::size_t sent = 0;
  while (sent < payloads.size()) {
    Result<std::size_t> step(std::size_t{0});
    if (type_ == SocketType::stream) {
      const std::size_t n = std::min(frames_per_sendmsg, payloads.size() - sent);
      step = send_stream_chunk(payloads.subspan(sent, n), fields, deadline, try_only);
    } else {
      Status s = send_packet(payloads[sent], fields, deadline, try_only);
      step = s ? Result<std::size_t>(std::size_t{1}) : Result<std::size_t>(s.error());
    }
    if (!step) {
      if (sent == 0) return step.error();
      return sent;  // the later frames were not sent; the caller still has them
    }
    sent += *step;
  }
  return sent;
}

Result<std::size_t> UnixStream::send_stream_chunk(std::span<const std::span<const std::byte>> payloads,
                                                  const FrameHeaderFields& fields, Deadline deadline, bool try_only) {
  std::vector<detail::FrameHeaderBytes> headers(payloads.size());
  std::vector<iovec> iov(payloads.size() * 2);
  std::size_t total = 0;
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    detail::encode_frame_header(fields, payloads[i], headers[i]);
    iov[2 * i] = iovec{headers[i].data(), headers[i].size()};
    // sendmsg only reads through iov_base; the cast is the C API's.
    iov[2 * i + 1] = iovec{const_cast<std::byte*>(payloads[i].data()), payloads[i].size()};
    total += headers[i].size() + payloads[i].size();
  }
  msghdr msg{};
  msg.msg_iov = iov.data();
  msg.msg_iovlen = iov.size();

  std::size_t written = 0;
  for (;;) {
    const ssize_t n = ::sendmsg(fd_.get(), &msg, send_flags);
    if (n >= 0) {
      written = static_cast<std::size_t>(n);
      break;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (try_only) return would_block_send();
      if (Status s = platform::poll_fd(fd_.get(), POLLOUT, deadline); !s) return s.error();
      continue;
    }
    send_failure_ = socket_error(errno, "sendmsg of frames failed");
    return send_failure_;
  }
  if (written < total) {
    // Part of the batch is in the kernel: the batch is committed. Keep the
    // rest (pending_ is empty here: write_pending ran first).
    pending_.clear();
    pending_begin_ = 0;
    std::size_t skip = written;
    for (const iovec& v : iov) {
      const auto* base = static_cast<const std::byte*>(v.iov_base);
      if (skip >= v.iov_len) {
        skip -= v.iov_len;
        continue;
      }
      pending_.insert(pending_.end(), base + skip, base + v.iov_len);
      skip = 0;
    }
    if (!try_only) {
      // Best effort within the deadline; what remains goes out with the next call.
      (void)write_pending(deadline, false);
    }
  }
  return payloads.size();
}

Status UnixStream::send_packet(std::span<const std::byte> payload, const FrameHeaderFields& fields,
                               Deadline deadline, bool try_only) {
  detail::FrameHeaderBytes header;
  detail::encode_frame_header(fields, payload, header);
  iovec iov[2] = {{header.data(), header.size()}, {const_cast<std::byte*>(payload.data()), payload.size()}};
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = 2;
  for (;;) {
    const ssize_t n = ::sendmsg(fd_.get(), &msg, send_flags);
    if (n >= 0) {
      if (static_cast<std::size_t>(n) != header.size() + payload.size()) {
        send_failure_ = Error{Errc::system_error, "SOCK_SEQPACKET sendmsg wrote part of a packet"};
        return send_failure_;
      }
      return ok();
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (try_only) return would_block_send();
      if (Status s = platform::poll_fd(fd_.get(), POLLOUT, deadline); !s) return s;
      continue;
    }
    if (errno == EMSGSIZE) {
      return Error{Errc::too_large, "frame larger than one SOCK_SEQPACKET packet may be (socket send buffer)"};
    }
    send_failure_ = socket_error(errno, "sendmsg of a packet failed");
    return send_failure_;
  }
}

Status UnixStream::write_pending(Deadline deadline, bool try_only) {
  while (pending_begin_ < pending_.size()) {
    const ssize_t n =
        ::send(fd_.get(), pending_.data() + pending_begin_, pending_.size() - pending_begin_, send_flags);
    if (n >= 0) {
      pending_begin_ += static_cast<std::size_t>(n);
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (try_only) return would_block_send();
      if (Status s = platform::poll_fd(fd_.get(), POLLOUT, deadline); !s) return s;
      continue;
    }
    send_failure_ = socket_error(errno, "send of pending frame bytes failed");
    return send_failure_;
  }
  pending_.clear();
  pending_begin_ = 0;
  return ok();
}

// ------------------------------------------------------------- receive side

Error UnixStream::fail_recv(Error error) noexcept {
  recv_failure_ = error;
  return error;
}

Result<FrameHeaderFields> UnixStream::recv(std::vector<std::byte>& payload, Deadline deadline) {
  return recv_impl(payload, deadline, false);
}

Result<FrameHeaderFields> UnixStream::try_recv(std::vector<std::byte>& payload) {
  return recv_impl(payload, Deadline::now_or_never(), true);
}

Result<FrameHeaderFields> UnixStream::recv_impl(std::vector<std::byte>& payload, Deadline deadline, bool try_only) {
  if (!fd_) return closed_by_us();
  if (recv_failure_.code != Errc::ok) return recv_failure_;
  return type_ == SocketType::stream ? recv_stream(payload, deadline, try_only)
                                     : recv_packet(payload, deadline, try_only);
}

Result<FrameHeaderFields> UnixStream::recv_stream(std::vector<std::byte>& payload, Deadline deadline,
                                                  bool try_only) {
  bool read_once = false;  // try_recv reads at most once
  for (;;) {
    const std::span<const std::byte> buffered(in_.data() + in_begin_, in_end_ - in_begin_);
    std::size_t needed = buffered.size() + 1;  // bytes the next frame needs in total, at least
    if (!buffered.empty()) {
      // decode_header judges magic, version and header length as soon as their
      // bytes are present, and the size before we grow the buffer for it.
      const Result<FrameHeader> header = decode_header(buffered, options_.limits);
      if (!header && header.code() != Errc::truncated) return fail_recv(header.error());
      if (header) {
        needed = header->frame_size();
        if (buffered.size() >= needed) {
          const Result<FrameView> frame = decode_frame_prefix(buffered, options_.limits);
          if (!frame) return fail_recv(frame.error());
          payload.assign(frame->payload.begin(), frame->payload.end());
          in_begin_ += needed;
          if (in_begin_ == in_end_) in_begin_ = in_end_ = 0;
          return frame->header.fields();
        }
      }
    }
    if (eof_) {
      if (buffered.empty()) return fail_recv(Error{Errc::closed, "peer closed the connection"});
      return fail_recv(Error{Errc::closed, "peer closed the connection in the middle of a frame"});
    }
    if (try_only && read_once) return would_block_recv();

    // Room for the rest of the frame (or at least one read chunk).
    const std::size_t want = std::max(needed, std::min(options_.read_chunk, options_.limits.max_frame_bytes));
    if (in_.size() - in_begin_ < want) {
      if (in_begin_ > 0) {
        std::memmove(in_.data(), in_.data() + in_begin_, in_end_ - in_begin_);
        in_end_ -= in_begin_;
        in_begin_ = 0;
      }
      if (in_.size() < want) in_.resize(want);
    }
    const ssize_t n = ::recv(fd_.get(), in_.data() + in_end_, in_.size() - in_end_, MSG_DONTWAIT);
    if (n > 0) {
      in_end_ += static_cast<std::size_t>(n);
      read_once = true;
      continue;
    }
    if (n == 0) {
      eof_ = true;
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (try_only) return would_block_recv();
      if (Status s = platform::poll_fd(fd_.get(), POLLIN, deadline); !s) return s.error();
      continue;
    }
    return fail_recv(socket_error(errno, "recv on the stream failed"));
  }
}

Result<FrameHeaderFields> UnixStream::recv_packet(std::vector<std::byte>& payload, Deadline deadline,
                                                  bool try_only) {
  // Peek at the header; MSG_TRUNC makes recv return the packet's full length.
  detail::FrameHeaderBytes peek{};
  std::size_t packet = 0;
  for (;;) {
    const ssize_t n = ::recv(fd_.get(), peek.data(), peek.size(), MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
    if (n > 0) {
      packet = static_cast<std::size_t>(n);
      break;
    }
    // A zero-length packet reads like EOF; missive never sends one.
    if (n == 0) return fail_recv(Error{Errc::closed, "peer closed the connection"});
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (try_only) return would_block_recv();
      if (Status s = platform::poll_fd(fd_.get(), POLLIN, deadline); !s) return s.error();
      continue;
    }
    return fail_recv(socket_error(errno, "recv on the seqpacket socket failed"));
  }
  const auto discard = [this] {
    std::byte byte{};
    (void)::recv(fd_.get(), &byte, 1, MSG_DONTWAIT);  // takes the whole packet off the queue
  };
  const Result<FrameHeader> header =
      decode_header(std::span<const std::byte>(peek).first(std::min(packet, peek.size())), options_.limits);
  if (!header) {
    discard();
    if (header.code() == Errc::truncated) return fail_recv(Error{Errc::truncated, "packet shorter than a frame header"});
    return fail_recv(header.error());
  }
  if (header->frame_size() != packet) {
    discard();
    return fail_recv(Error{Errc::malformed_frame, "packet length differs from the size its frame header announces"});
  }
  if (in_.size() < packet) in_.resize(packet);  // bounded: decode_header enforced the limits
  for (;;) {
    const ssize_t n = ::recv(fd_.get(), in_.data(), packet, MSG_DONTWAIT);
    if (n >= 0) {
      if (static_cast<std::size_t>(n) != packet) {
        return fail_recv(Error{Errc::system_error, "seqpacket packet changed size between peek and read"});
      }
      break;
    }
    if (errno == EINTR) continue;
    return fail_recv(socket_error(errno, "recv of a peeked packet failed"));
  }
  const Result<FrameView> frame = decode_frame(std::span<const std::byte>(in_.data(), packet), options_.limits);
  if (!frame) return fail_recv(frame.error());
  payload.assign(frame->payload.begin(), frame->payload.end());
  return frame->header.fields();
}

void UnixStream::close() noexcept {
  if (!fd_) return;
  if (has_pending() && send_failure_.code == Errc::ok) (void)write_pending(Deadline::now_or_never(), true);
  fd_.reset();
  pending_.clear();
  pending_begin_ = 0;
}

}  // namespace missive::net
