// missive/bft/merkle.hpp - Merkle trees over a batch: one signature covers many messages.
//
// Leaves are H(0x00 || message), inner nodes H(0x01 || left || right), H =
// BLAKE2b-256; the prefixes keep a leaf from passing as an inner node. A
// level with an odd count promotes its last node unchanged (never duplicates
// it, so two different batches cannot share a root). A batch of one has the
// root H(0x00 || message).
//
// A proof for leaf i of a batch of `leaf_count` lists the sibling digests
// from the leaf up; their number is fixed by (i, leaf_count), and the decoder
// rejects any other. Wire form (a record):
//
//   tag 1  leaf_index  (unsigned)
//   tag 2  leaf_count  (unsigned, 1 .. max_leaves)
//   tag 3  sibling     (bytes, 32, repeated, leaf to root)
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "missive/bft/types.hpp"
#include "missive/core/result.hpp"

namespace missive::bft {

[[nodiscard]] Digest merkle_leaf(std::span<const std::byte> message) noexcept;

// The root of `messages`. Precondition: not empty.
[[nodiscard]] Digest merkle_root(std::span<const Bytes> messages);
[[nodiscard]] Digest merkle_root_of_leaves(std::vector<Digest> leaves);

struct MerkleProof {
  std::uint64_t leaf_index = 0;
  std::uint64_t leaf_count = 0;
  std::vector<Digest> siblings;  // leaf to root

  static constexpr std::uint64_t max_leaves = 1u << 24;

  [[nodiscard]] Bytes encode() const;
  // Errors: the record's parse errors; malformed_record for a missing or
  // repeated field, a sibling that is not 32 bytes, an index outside the
  // batch, or a sibling count other than the path length; too_large for a
  // leaf_count above max_leaves.
  [[nodiscard]] static Result<MerkleProof> decode(std::span<const std::byte> bytes);
};

// The proof for messages[index]. Errors: invalid_argument for an index out of range.
[[nodiscard]] Result<MerkleProof> merkle_prove(std::span<const Bytes> messages, std::uint64_t index);

// True when `message` is leaf proof.leaf_index of a batch with root `root`.
[[nodiscard]] bool merkle_verify(const Digest& root, std::span<const std::byte> message, const MerkleProof& proof);

// Number of siblings on the path of leaf `index` in a tree of `count` leaves.
[[nodiscard]] std::size_t merkle_path_length(std::uint64_t index, std::uint64_t count) noexcept;

}  // namespace missive::bft
