// missive/net/tcp_link.hpp - TcpLink: an outgoing, authenticated, self-healing link to one peer.
//
//   TcpLink link(LinkTarget{"tcp://127.0.0.1:7001", identity, trusted, /*peer*/ 1}, options);
//   link.try_send(bytes);                    // would_block when the queue is full
//   link.send(bytes, Deadline::after(5ms));  // waits for room, timed_out after
//
// One thread per link (started by the constructor, joined by the destructor)
// connects with a deadline, runs the client handshake (tcp_auth.hpp) against
// the expected peer, and writes queued frames in batches (one sendmsg for
// many). When connecting, the handshake or a write fails, it closes the
// socket and reconnects after an exponential backoff (initial, doubling, up
// to a maximum; reset by a successful handshake), so a restarted peer is
// reached again without the caller doing anything.
//
// Backpressure: the queue is bounded (LinkOptions::queue_capacity frames).
// A full queue blocks send() until its deadline (timed_out) and fails
// try_send() with would_block; nothing is dropped silently: the caller keeps
// the frame and decides. A frame accepted by send/try_send is written on the
// current connection or, if that breaks, on the next one (frames in hand when
// a write fails are written again after the reconnect: a peer may see such a
// frame twice, or, if the kernel had accepted it but the peer died before
// reading, not at all; TCP gives no receipt). Protocols above (bft) retransmit
// and deduplicate.
//
// Thread safety: send, try_send and stats may be called from any threads.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "missive/channel/channel.hpp"
#include "missive/core/error.hpp"
#include "missive/net/tcp_auth.hpp"

namespace missive::net {

using SharedFrame = std::shared_ptr<const std::vector<std::byte>>;

struct LinkOptions {
  std::size_t queue_capacity = 4096;                         // frames waiting for the socket
  std::chrono::milliseconds connect_timeout{500};
  std::chrono::milliseconds handshake_timeout{2000};
  std::chrono::milliseconds write_timeout{5000};             // a peer that reads nothing this long is dropped
  std::chrono::milliseconds backoff_initial{5};
  std::chrono::milliseconds backoff_max{500};
  std::size_t frames_per_write = 256;
  std::uint32_t message_type = 0;                            // frame type of the payload frames
  StreamOptions stream{};
};

struct LinkTarget {
  std::string address;             // tcp://HOST:PORT
  Identity self;                   // our key pair
  std::vector<NodeKey> trusted;    // members' keys, by index
  std::size_t peer = 0;            // index of the key the peer must present
};

struct LinkStats {
  std::uint64_t connects = 0;        // successful handshakes
  std::uint64_t failed_attempts = 0; // connects or handshakes that failed
  std::uint64_t frames_written = 0;
  Error last_error{};                // the latest failure (static detail)
};

class TcpLink {
 public:
  TcpLink(LinkTarget target, LinkOptions options = {});
  TcpLink(const TcpLink&) = delete;
  TcpLink& operator=(const TcpLink&) = delete;
  // Stops the thread; frames still queued are discarded (the link is gone).
  ~TcpLink();

  // Queues `frame`; waits for room until `deadline`: ok, timed_out, too_large
  // (above the frame limit), closed (the link is stopping).
  [[nodiscard]] Status send(SharedFrame frame, Deadline deadline);
  // As send, never waiting: would_block when the queue is full.
  [[nodiscard]] Status try_send(SharedFrame frame);

  [[nodiscard]] bool connected() const noexcept;
  [[nodiscard]] LinkStats stats() const;
  [[nodiscard]] std::size_t queued() const { return queue_.size(); }

 private:
  void run();
  // Connect + handshake, with backoff between failures; nullopt when stopping.
  std::optional<TcpStream> establish();
  // Writes frames until the connection fails or the link stops.
  void pump(TcpStream& stream);
  void note_failure(const Error& error);
  void sleep_backoff(std::chrono::milliseconds delay);
  [[nodiscard]] bool stopping() const noexcept;

  const LinkTarget target_;
  const LinkOptions options_;
  Channel<SharedFrame> queue_;
  std::vector<SharedFrame> in_hand_;  // link thread only: taken from the queue, not yet written

  // Written by the destructor, read by the link thread: release/acquire so
  // the thread sees everything the destructor did before asking it to stop.
  std::atomic<bool> stop_{false};
  // Written by the link thread; read by any thread for display (relaxed: a
  // momentary snapshot, it publishes nothing else).
  std::atomic<bool> connected_{false};

  mutable std::mutex stats_mutex_;
  LinkStats stats_;  // guarded by stats_mutex_
  std::thread thread_;
};

}  // namespace missive::net
