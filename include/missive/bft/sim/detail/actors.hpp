// missive/bft/sim/detail/actors.hpp - Byzantine members for the simulator.
//
// An Actor takes the place of a node. Most behaviours keep an honest node
// inside as cover (it takes part in other members' instances) and misbehave
// around it. Actors know their own secret key only: whatever they forge for
// others is invalid by construction, as it would be for a real attacker.
//
// Thread safety: none; the simulator is single-threaded.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "missive/bft/config.hpp"
#include "missive/bft/crypto.hpp"
#include "missive/bft/node.hpp"
#include "missive/bft/sim/rng.hpp"
#include "missive/bft/sim/scenario.hpp"
#include "missive/bft/vote_store.hpp"

namespace missive::bft::sim::detail {

class Actor {
 public:
  virtual ~Actor() = default;
  virtual void on_message(NodeId from, std::span<const std::byte> bytes, Effects& out) = 0;
  virtual void on_tick(Effects& out) = 0;
  // Its turn to broadcast `batch` (scheduled like a correct sender's).
  virtual void on_turn(std::vector<Bytes> batch, Effects& out) = 0;
  // The simulated process restarts.
  virtual void on_restart() {}
};

struct ActorSetup {
  ClusterConfig config;
  NodeId self = 0;
  Seed key_seed{};
  Mode mode = Mode::signed_echo;
  Rng rng{0};
};

[[nodiscard]] std::unique_ptr<Actor> make_actor(Behaviour behaviour, ActorSetup setup);

// An honest node of `mode` with a fresh in-memory vote store.
[[nodiscard]] std::unique_ptr<BroadcastNode> make_honest_node(Mode mode, const ClusterConfig& config, NodeId self,
                                                              const Seed& key_seed,
                                                              std::shared_ptr<VoteStore> votes = nullptr);

}  // namespace missive::bft::sim::detail
