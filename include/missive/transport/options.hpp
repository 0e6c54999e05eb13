// missive/transport/options.hpp - knobs of listeners and connections.
//
// One struct per role; fields that a transport does not use are ignored by it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "missive/costmodel/path_choice.hpp"
#include "missive/shm/ring_sender.hpp"
#include "missive/shm/wait.hpp"
#include "missive/wire/frame.hpp"

namespace missive::transport {

// How an shm:// send ships a message: automatic (by the crossover), always
// inline_copy (copied into the ring), or always loan (copied into a shared
// pool buffer that the receiver copies out of and hands back). See
// costmodel/path_choice.hpp and docs/cost-model.md.
using SendPath = costmodel::SendPath;

// Shared by both roles: how this side's half of a connection is built.
struct EndpointOptions {
  // shm: the ring this side sends on (the peer sizes the other one). Its
  // max_message_size() bounds a message: larger ones fail with too_large.
  shm::RingConfig ring{};
  // shm: the ring's loan pool. loan_buffers == 0 (the default) lets the
  // transport size it: without a pool when send_path is inline_copy, else 4
  // buffers of the ring's largest message.
  //
  // shm: how send() ships each message (the receiver accepts either). With
  // automatic (the default) a message of at least `crossover_bytes` bytes goes
  // through a loaned buffer and a smaller one inline; unset, the crossover is
  // the machine profile's (costmodel::active_profile(): `missive calibrate`,
  // read once per process). A loan that finds every buffer still in flight
  // falls back to inline when the message fits the ring. Per message: ScopedSendPath.
  SendPath send_path = SendPath::automatic;
  std::optional<std::size_t> crossover_bytes;
  // shm: how blocking calls wait (spin / spin_then_park / park) and how often
  // a sleeping side checks the peer's pidfd (liveness_interval).
  shm::WaitPolicy wait{};
  // unix: the frame limit (a received frame above it is too_large).
  FrameLimits limits{};
  // inproc: messages buffered per direction before send blocks.
  std::size_t inproc_capacity = 64;
  // inproc: largest message (unix: limits; shm: the ring).
  std::size_t inproc_max_message = std::size_t{16} << 20;
  // shm/unix listener: the longest one accept() spends on a single client's
  // handshake (a silent client must not stall accept for its whole deadline).
  std::chrono::milliseconds handshake_timeout{2000};
};

struct ListenOptions : EndpointOptions {
  // When non-empty, only peers whose uid (SO_PEERCRED; getuid() for inproc) is
  // listed may connect. shm and inproc connectors are told permission_denied;
  // unix connectors see their connection closed (no handshake to say why).
  std::vector<uid_t> allowed_uids;
  // Pending connections the kernel (or the inproc registry) queues.
  int backlog = 64;
};

struct ConnectOptions : EndpointOptions {};

// Per-message override of EndpointOptions::send_path: while it lives, shm://
// sends made BY THE CALLING THREAD use `path` (automatic restores the
// connection's own choice). Nests: the destructor restores the previous one.
// Other transports ignore it.
//
//   { transport::ScopedSendPath loan_this(transport::SendPath::loan);
//     conn.send(big_message); }
class ScopedSendPath {
 public:
  explicit ScopedSendPath(SendPath path) noexcept;
  ~ScopedSendPath();
  ScopedSendPath(const ScopedSendPath&) = delete;
  ScopedSendPath& operator=(const ScopedSendPath&) = delete;

 private:
  SendPath previous_;
};

// Which way the calling thread's shm:// sends went (for tests, benchmarks and
// `missive calibrate`): counters of this thread only, never reset.
struct SendPathCounts {
  std::uint64_t inline_copies = 0;   // sent inline
  std::uint64_t loans = 0;           // sent through a loaned buffer
  std::uint64_t loan_fallbacks = 0;  // a loan was chosen but no buffer was free: sent inline
};
[[nodiscard]] SendPathCounts this_thread_send_path_counts() noexcept;

}  // namespace missive::transport
