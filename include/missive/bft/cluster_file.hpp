// missive/bft/cluster_file.hpp - cluster.toml: the members of a TCP cluster and how each node runs.
//
//   epoch = 1
//   f = 1
//   mode = "echo"              # or "bracha"
//   batch = 1                  # messages per broadcast (workloads)
//
//   [[member]]                 # id 0, 1, ... in file order (or `id = I`, which must match)
//   address = "tcp://127.0.0.1:7100"
//   public_key = "64 hex digits"
//   key_file = "node0.key"      # the seed written by `missive bft keygen` (relative: to the file's folder)
//   votes = "votes0"            # FileVoteStore directory; empty or absent: votes kept in memory only
//   behaviour = "silent"        # optional: run a Byzantine behaviour of the simulator (tests, benches)
//
// n is the number of members; ClusterConfig::create enforces n >= 3f+1.
// Every member's public key must match its key file when that node starts.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "missive/bft/config.hpp"
#include "missive/bft/node.hpp"
#include "missive/bft/sim/scenario.hpp"
#include "missive/core/result.hpp"

namespace missive::bft {

struct MemberEntry {
  std::string address;
  PublicKey public_key{};
  std::string key_file;    // absolute after load()
  std::string votes;       // absolute after load(); empty: in memory
  std::optional<sim::Behaviour> behaviour;
};

struct ClusterFile {
  std::uint64_t epoch = 1;
  std::uint32_t f = 1;
  Mode mode = Mode::signed_echo;
  std::uint32_t batch = 1;
  std::vector<MemberEntry> members;

  // Errors: not_found (no file), invalid_argument (bad toml, missing or
  // malformed field: detail names it).
  [[nodiscard]] static Result<ClusterFile> load(const std::string& path);
  [[nodiscard]] std::string to_toml() const;
  [[nodiscard]] Result<ClusterConfig> cluster_config() const;
};

// Reads a seed file of `missive bft keygen` (64 hex digits). not_found, invalid_argument.
[[nodiscard]] Result<Seed> read_seed_file(const std::string& path);
[[nodiscard]] std::string to_hex(std::span<const std::byte> bytes);
// invalid_argument unless `hex` is exactly 2*out.size() hex digits.
[[nodiscard]] Status from_hex(std::string_view hex, std::span<std::byte> out);
// "silent", "equivocating_sender", ... ; nullopt for an unknown name.
[[nodiscard]] std::optional<sim::Behaviour> behaviour_from_name(std::string_view name);

}  // namespace missive::bft
