// missive/bft/types.hpp - the small value types of Byzantine broadcast.
//
// Node ids are indices into the cluster's member list (0 .. n-1). A broadcast
// instance is named by (epoch, sender, sequence); sequences start at 1.
// Keys, signatures and digests are fixed-size byte arrays whose sizes are
// libsodium's (checked against it in crypto.cpp).
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace missive::bft {

using NodeId = std::uint32_t;
using Bytes = std::vector<std::byte>;

inline constexpr std::size_t digest_size = 32;      // BLAKE2b-256
inline constexpr std::size_t public_key_size = 32;  // Ed25519
inline constexpr std::size_t secret_key_size = 64;  // Ed25519 seed + public key (libsodium's layout)
inline constexpr std::size_t signature_size = 64;   // Ed25519
inline constexpr std::size_t seed_size = 32;

using Digest = std::array<std::byte, digest_size>;
using PublicKey = std::array<std::byte, public_key_size>;
using Signature = std::array<std::byte, signature_size>;
using Seed = std::array<std::byte, seed_size>;

// One broadcast instance: the sender's sequence-th broadcast in `epoch`.
struct InstanceId {
  std::uint64_t epoch = 0;
  NodeId sender = 0;
  std::uint64_t sequence = 0;

  friend auto operator<=>(const InstanceId&, const InstanceId&) = default;
};

}  // namespace missive::bft
