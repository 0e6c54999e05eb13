// missive/bft/sim/scenario.hpp - seeded adversarial runs of a whole cluster, with property checks.
//
// run_scenario() builds a cluster of n nodes (n - |byzantine| correct ones
// running the protocol of `mode`, the rest running a Byzantine behaviour),
// drives them over a simulated network with link faults for `end_us` of
// simulated time, and then checks the properties of reliable broadcast on
// the correct nodes:
//
//   agreement   no two correct nodes deliver different batches for one instance
//   integrity   a correct node delivers an instance at most once; for a correct
//               sender only the batch it broadcast, and only from this epoch
//   validity    every broadcast of a correct sender is delivered by every
//               correct node                                  (after heal)
//   totality    an instance one correct node delivered, every correct node
//               delivered                                     (after heal)
//
// Validity and totality are checked only when the links are live after heal
// (drops and partitions stop at heal_at_us; corruption is caught by link
// authentication). With `authenticated_links = false` corrupted bytes reach
// the nodes, which only the signed mode is built for: safety is checked,
// liveness is not.
//
// Everything random comes from `seed`: one seed, one exact run.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "missive/bft/node.hpp"
#include "missive/bft/types.hpp"
#include "missive/core/error.hpp"

namespace missive::bft::sim {

enum class Behaviour : std::uint8_t {
  silent,               // withholds everything: receives, never sends
  equivocating_sender,  // two batches for one instance to two groups; pads short certificates with its own signature
  partial_sender,       // proposes to only some witnesses, commits to only some nodes
  double_acker,         // acknowledges (echoes, readies) every root it sees, no vote store
  forger,               // invalid or misattributed signatures, impersonation
  bad_certificates,     // certificates with a signer twice, unknown signers, wrong domain, too few
  amnesiac,             // honest, but restarts with an empty vote store (and reuses its sequences)
  garbage,              // random and mutated bytes
};
inline constexpr int behaviour_count = 8;

[[nodiscard]] std::string_view name(Behaviour behaviour) noexcept;

struct LinkFaults {
  double drop = 0;       // per message, before heal
  double duplicate = 0;  // per message: a second copy with its own delay
  double corrupt = 0;    // per message: 1-3 bytes flipped
  double replay = 0;     // per message: also re-inject an older message (this or the previous epoch)
  std::uint64_t min_delay_us = 50;
  std::uint64_t max_delay_us = 2000;  // random delays reorder messages
  bool authenticated_links = true;    // corrupted bytes are caught by the link, not handed to nodes
};

struct Partition {
  std::uint64_t from_us = 0;
  std::uint64_t until_us = 0;   // at most heal_at_us
  std::vector<NodeId> side;     // messages between `side` and the rest are lost meanwhile
};

struct ScenarioSpec {
  std::uint64_t seed = 1;
  Mode mode = Mode::signed_echo;
  std::uint32_t n = 4;
  std::uint32_t f = 1;
  std::map<NodeId, Behaviour> byzantine;  // at most f entries
  LinkFaults faults;
  std::optional<Partition> partition;
  std::uint64_t heal_at_us = 200'000;
  std::uint32_t broadcasts_per_node = 3;  // also the Byzantine senders' turns
  std::uint32_t batch_size = 2;
  std::uint32_t message_bytes = 64;
  std::uint64_t tick_us = 20'000;
  std::uint64_t end_us = 1'500'000;
  bool previous_epoch_replay = true;  // capture a run of epoch-1 and replay from it
};

struct Outcome {
  std::vector<std::string> violations;  // empty: every checked property held
  bool liveness_checked = false;
  std::uint64_t messages_sent = 0;
  std::uint64_t messages_dropped = 0;
  std::uint64_t messages_tampered = 0;  // corrupted in flight
  std::uint64_t messages_refused = 0;   // on_message errors at correct nodes
  std::map<std::string, std::uint64_t> refusals;  // by Errc name
  std::uint64_t correct_broadcasts = 0;
  std::uint64_t deliveries = 0;  // at correct nodes
  // Instances of correct senders delivered by correct nodes, with their root.
  std::map<InstanceId, Digest> correct_sender_deliveries;
};

// What happened, as it happens (for the tour and for debugging a seed).
struct TraceEvent {
  enum class Kind : std::uint8_t {
    broadcast,       // a correct member started `instance` (root, messages)
    byzantine_turn,  // a Byzantine member's turn to broadcast (it misbehaves as its behaviour says)
    delivery,        // a correct member delivered `instance` with `root`
    refusal,         // a correct member refused a message (`refusal` says why)
  };
  Kind kind = Kind::broadcast;
  std::uint64_t time_us = 0;
  NodeId node = 0;
  InstanceId instance{};
  Digest root{};
  std::size_t messages = 0;
  Errc refusal = Errc::ok;
};
using Trace = std::function<void(const TraceEvent&)>;

[[nodiscard]] Outcome run_scenario(const ScenarioSpec& spec, const Trace& trace = {});

// A random scenario for `seed`: n in {4, 7} (mostly 4), up to f Byzantine
// nodes with random behaviours, random link faults, maybe a partition.
[[nodiscard]] ScenarioSpec random_scenario(std::uint64_t seed, Mode mode);

// One line for a failure message: seed, mode, n, f, behaviours, faults.
[[nodiscard]] std::string describe(const ScenarioSpec& spec);

}  // namespace missive::bft::sim
