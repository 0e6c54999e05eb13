// missive/bft/tcp_node.hpp - TcpNode: one cluster member running over authenticated TCP links.
//
//   auto node = TcpNode::start(setup).value();   // listens, dials every peer
//   node->broadcast(batch);                        // protocol thread
//   node->poll(Deadline::after(1ms), deliveries);  // inbound messages, ticks, deliveries
//
// The protocol state machine (EchoNode or BrachaNode, or for tests and
// benches one of the simulator's Byzantine behaviours) runs on the caller's
// thread, the protocol thread; nothing else touches it. Around it:
//
//   accept thread         TcpListener::accept, then one reader thread per connection
//   reader threads        authenticate_server (the peer's key gives its NodeId), then
//                         read frames and push (from, bytes) into the inbox; a full inbox
//                         blocks the reader, so TCP's flow control pushes back on the peer
//   one TcpLink per peer  dial, authenticate_client against that member's key, write;
//                         reconnect with backoff (tcp_link.hpp)
//
// Links authenticate the peer (what Bracha needs and what node.hpp assumes);
// the frame CRC catches corruption; messages are still untrusted input for
// the node, which refuses what is invalid. A send the link refuses because
// its queue is full is counted (stats().backpressure_refusals), never hidden:
// the protocol retransmits on tick until the peer confirms. The tick period
// is `tick` after a reconnect or a refusal (something may have been lost) and
// doubles up to 16 x `tick` while nothing was.
//
// Thread safety: start, broadcast, poll, stats and the destructor from the
// protocol thread only.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "missive/bft/config.hpp"
#include "missive/bft/node.hpp"
#include "missive/bft/sim/scenario.hpp"
#include "missive/core/deadline.hpp"
#include "missive/core/result.hpp"

namespace missive::bft {

struct TcpNodeSetup {
  ClusterConfig config;
  NodeId self = 0;
  Seed seed{};                             // this member's key seed
  std::vector<std::string> addresses;      // tcp:// address of every member, by id
  Mode mode = Mode::signed_echo;
  std::optional<sim::Behaviour> byzantine; // run this behaviour instead of the protocol
  std::string vote_directory;              // FileVoteStore; empty: in memory
  std::chrono::milliseconds tick{100};      // retransmission period (TCP links rarely lose: only across reconnects)
  std::size_t inbox_capacity = 16384;      // messages read but not yet handled
  std::size_t link_queue_capacity = 8192;  // frames per peer waiting for the socket
};

struct TcpNodeStats {
  std::uint64_t received = 0;               // messages handed to the protocol
  std::uint64_t refused = 0;                // of those, refused by it (invalid, equivocation, ...)
  std::uint64_t sent = 0;                   // messages queued on links
  std::uint64_t backpressure_refusals = 0;  // link queue full: not queued, left to retransmission
  std::uint64_t auth_failures = 0;          // inbound handshakes that failed
  std::uint64_t link_connects = 0;          // outbound handshakes that succeeded (all links)
};

class TcpNode {
 public:
  // Errors: invalid_argument (addresses do not match the members, the seed is
  // not the member's key), the vote store's errors, the listener's errors.
  [[nodiscard]] static Result<std::unique_ptr<TcpNode>> start(TcpNodeSetup setup);
  ~TcpNode();

  [[nodiscard]] NodeId id() const noexcept;
  // Starts the next broadcast of `batch` (a Byzantine behaviour takes its turn).
  [[nodiscard]] Status broadcast(std::vector<Bytes> batch);
  // Handles inbound messages and ticks until `deadline`; returns early once
  // something was delivered. Deliveries are appended to `out`.
  void poll(Deadline deadline, std::vector<Delivery>& out);
  // A Byzantine behaviour's simulated restart (the amnesiac forgets its votes).
  void restart_participant();
  [[nodiscard]] TcpNodeStats stats() const;

  struct Impl;

 private:
  explicit TcpNode(std::unique_ptr<Impl> impl) noexcept;
  std::unique_ptr<Impl> impl_;
};

}  // namespace missive::bft
