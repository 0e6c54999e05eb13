// TcpLink (tcp_link.hpp): reconnecting, authenticated, bounded outgoing link.
#include "missive/net/tcp_link.hpp"

#include <algorithm>

namespace missive::net {

using namespace std::chrono_literals;

TcpLink::TcpLink(LinkTarget target, LinkOptions options)
    : target_(std::move(target)), options_(options), queue_(std::max<std::size_t>(options.queue_capacity, 1)) {
  thread_ = std::thread([this] { run(); });
}

TcpLink::~TcpLink() {
  stop_.store(true, std::memory_order_release);  // pairs with the acquire in stopping()
  queue_.close();                                 // wakes a link thread waiting for frames
  thread_.join();
}

bool TcpLink::stopping() const noexcept { return stop_.load(std::memory_order_acquire); }

bool TcpLink::connected() const noexcept { return connected_.load(std::memory_order_relaxed); }

LinkStats TcpLink::stats() const {
  std::lock_guard lock(stats_mutex_);
  return stats_;
}

Status TcpLink::send(SharedFrame frame, Deadline deadline) {
  if (!frame) return Error{Errc::invalid_argument, "null frame"};
  if (frame->size() + frame_header_size > options_.stream.limits.max_frame_bytes) {
    return Error{Errc::too_large, "frame above the link's frame limit"};
  }
  return queue_.send_until(std::move(frame), deadline);
}

Status TcpLink::try_send(SharedFrame frame) {
  if (!frame) return Error{Errc::invalid_argument, "null frame"};
  if (frame->size() + frame_header_size > options_.stream.limits.max_frame_bytes) {
    return Error{Errc::too_large, "frame above the link's frame limit"};
  }
  return queue_.try_send(std::move(frame));
}

void TcpLink::note_failure(const Error& error) {
  std::lock_guard lock(stats_mutex_);
  ++stats_.failed_attempts;
  stats_.last_error = error;
}

void TcpLink::sleep_backoff(std::chrono::milliseconds delay) {
  const auto until = std::chrono::steady_clock::now() + delay;
  while (!stopping() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        5ms, until - std::chrono::steady_clock::now()));
  }
}

std::optional<TcpStream> TcpLink::establish() {
  std::chrono::milliseconds backoff = options_.backoff_initial;
  while (!stopping()) {
    auto stream = TcpStream::connect(target_.address, Deadline::after(options_.connect_timeout), options_.stream);
    if (stream) {
      auto peer = authenticate_client(*stream, target_.self, target_.trusted, target_.peer,
                                      Deadline::after(options_.handshake_timeout));
      if (peer) {
        std::lock_guard lock(stats_mutex_);
        ++stats_.connects;
        return std::move(*stream);
      }
      note_failure(peer.error());
    } else {
      note_failure(stream.error());
    }
    sleep_backoff(backoff);
    backoff = std::min(backoff * 2, options_.backoff_max);
  }
  return std::nullopt;
}

void TcpLink::pump(TcpStream& stream) {
  std::vector<std::span<const std::byte>> spans;
  while (!stopping()) {
    if (in_hand_.empty()) {
      Result<SharedFrame> first = queue_.recv_until(Deadline::after(50ms));
      if (!first) {
        if (first.code() == Errc::closed) return;
        continue;  // timed_out: look at the stop flag again
      }
      in_hand_.push_back(std::move(*first));
      while (in_hand_.size() < options_.frames_per_write) {
        Result<SharedFrame> more = queue_.try_recv();
        if (!more) break;
        in_hand_.push_back(std::move(*more));
      }
    }
    spans.clear();
    for (const SharedFrame& f : in_hand_) spans.emplace_back(f->data(), f->size());
    auto written = stream.send_batch(spans, Deadline::after(options_.write_timeout),
                                     FrameHeaderFields{0, options_.message_type, 0});
    if (!written) {
      note_failure(written.error());
      return;  // in_hand_ is kept and written on the next connection
    }
    if (Status s = stream.flush(Deadline::after(options_.write_timeout)); !s) {
      // The frames are committed (partly in the kernel); their tail is lost with the socket.
      in_hand_.erase(in_hand_.begin(), in_hand_.begin() + static_cast<std::ptrdiff_t>(*written));
      note_failure(s.error());
      return;
    }
    {
      std::lock_guard lock(stats_mutex_);
      stats_.frames_written += *written;
    }
    in_hand_.erase(in_hand_.begin(), in_hand_.begin() + static_cast<std::ptrdiff_t>(*written));
  }
}

void TcpLink::run() {
  while (!stopping()) {
    std::optional<TcpStream> stream = establish();
    if (!stream) return;
    connected_.store(true, std::memory_order_relaxed);
    pump(*stream);
    connected_.store(false, std::memory_order_relaxed);
    stream->close();
    if (!stopping()) sleep_backoff(options_.backoff_initial);
  }
}

}  // namespace missive::net
