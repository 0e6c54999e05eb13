// missive/bft/node.hpp - BroadcastNode: a broadcast protocol as a deterministic state machine.
//
// A node never touches a socket, a clock or a thread. The embedding (the
// simulator in bft/sim.hpp, later the TCP runtime) feeds it three kinds of
// input and carries out what it asks for in Effects:
//
//   broadcast(batch)        the application wants `batch` delivered everywhere
//   on_message(from, bytes) bytes arrived over the authenticated link from `from`
//   on_tick()               time passed: retransmit what peers have not confirmed
//
// Given the same inputs in the same order a node produces the same effects,
// which is what makes seeded simulations reproducible. Links are assumed to
// authenticate the peer (`from`), not to be reliable: messages may be lost,
// duplicated, reordered, replayed or corrupted, and the node retransmits on
// tick until each peer confirms (MessageKind::have).
//
// Errors: on_message reports why input was refused (decode errors,
// bad_signature, equivocation, rejected for another epoch or an instance
// this node has no business with); refused input changes nothing and adds
// no effects. The embedding may count refusals; it must not stop the node.
//
// Thread safety: none. One thread at a time drives a node.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "missive/bft/types.hpp"
#include "missive/core/result.hpp"

namespace missive::bft {

// Bytes for one peer. Shared because a broadcast sends one encoding to many.
struct Outgoing {
  NodeId to = 0;
  std::shared_ptr<const Bytes> bytes;
};

// A batch this node delivered: at most once per instance, and (given n >= 3f+1
// and at most f Byzantine members) the same digest at every correct node.
struct Delivery {
  InstanceId instance;
  Digest digest{};  // Merkle root of `batch`
  std::vector<Bytes> batch;
};

struct Effects {
  std::vector<Outgoing> sends;
  std::vector<Delivery> deliveries;

  void clear() noexcept {
    sends.clear();
    deliveries.clear();
  }
};

enum class Mode : std::uint8_t {
  signed_echo,  // EchoNode: signatures, certificates, relay
  bracha,       // BrachaNode: echo + ready over authenticated links, no signatures
};

class BroadcastNode {
 public:
  virtual ~BroadcastNode() = default;

  [[nodiscard]] virtual NodeId id() const noexcept = 0;
  [[nodiscard]] virtual Mode mode() const noexcept = 0;

  // Starts broadcasting `batch` (1 .. max_batch_messages messages) as this
  // node's next instance. Errors: invalid_argument for an empty or oversized
  // batch; the vote store's error when the sender's own vote cannot be recorded.
  [[nodiscard]] virtual Result<InstanceId> broadcast(std::vector<Bytes> batch, Effects& out) = 0;
  [[nodiscard]] virtual Status on_message(NodeId from, std::span<const std::byte> bytes, Effects& out) = 0;
  virtual void on_tick(Effects& out) = 0;
};

}  // namespace missive::bft
