#include "missive/bft/merkle.hpp"

#include <algorithm>
#include <cassert>

#include "missive/bft/crypto.hpp"
#include "missive/wire/record_view.hpp"
#include "missive/wire/record_writer.hpp"

namespace missive::bft {
namespace {

constexpr std::byte leaf_prefix{0x00};
constexpr std::byte node_prefix{0x01};

namespace proof_tag {
inline constexpr std::uint32_t leaf_index = 1;
inline constexpr std::uint32_t leaf_count = 2;
inline constexpr std::uint32_t sibling = 3;
}  // namespace proof_tag

// The next level up: pairs hashed, an odd last node promoted.
std::vector<Digest> next_level(const std::vector<Digest>& level) {
  std::vector<Digest> up;
  up.reserve((level.size() + 1) / 2);
  for (std::size_t i = 0; i + 1 < level.size(); i += 2) up.push_back(hash_pair(node_prefix, level[i], level[i + 1]));
  if (level.size() % 2 == 1) up.push_back(level.back());
  return up;
}

std::vector<Digest> leaves_of(std::span<const Bytes> messages) {
  std::vector<Digest> leaves;
  leaves.reserve(messages.size());
  for (const Bytes& m : messages) leaves.push_back(merkle_leaf(m));
  return leaves;
}

}  // namespace

Digest merkle_leaf(std::span<const std::byte> message) noexcept { return hash_with_prefix(leaf_prefix, message); }

Digest merkle_root_of_leaves(std::vector<Digest> leaves) {
  assert(!leaves.empty() && "a Merkle tree needs at least one leaf");
  while (leaves.size() > 1) leaves = next_level(leaves);
  return leaves.front();
}

Digest merkle_root(std::span<const Bytes> messages) { return merkle_root_of_leaves(leaves_of(messages)); }

std::size_t merkle_path_length(std::uint64_t index, std::uint64_t count) noexcept {
  std::size_t length = 0;
  while (count > 1) {
    if ((index ^ 1u) < count) ++length;
    index >>= 1;
    count = (count + 1) / 2;
  }
  return length;
}

Result<MerkleProof> merkle_prove(std::span<const Bytes> messages, std::uint64_t index) {
  if (index >= messages.size()) return Error{Errc::invalid_argument, "Merkle proof for a leaf outside the batch"};
  MerkleProof proof{index, messages.size(), {}};
  std::vector<Digest> level = leaves_of(messages);
  std::uint64_t position = index;
  while (level.size() > 1) {
    const std::uint64_t sibling = position ^ 1u;
    if (sibling < level.size()) proof.siblings.push_back(level[sibling]);
    level = next_level(level);
    position >>= 1;
  }
  return proof;
}

bool merkle_verify(const Digest& root, std::span<const std::byte> message, const MerkleProof& proof) {
  if (proof.leaf_count == 0 || proof.leaf_index >= proof.leaf_count) return false;
  if (proof.siblings.size() != merkle_path_length(proof.leaf_index, proof.leaf_count)) return false;
  Digest current = merkle_leaf(message);
  std::uint64_t index = proof.leaf_index;
  std::uint64_t count = proof.leaf_count;
  std::size_t next_sibling = 0;
  while (count > 1) {
    if ((index ^ 1u) < count) {
      const Digest& sibling = proof.siblings[next_sibling++];
      current = (index % 2 == 0) ? hash_pair(node_prefix, current, sibling) : hash_pair(node_prefix, sibling, current);
    }
    index >>= 1;
    count = (count + 1) / 2;
  }
  return current == root;
}

Bytes MerkleProof::encode() const {
  RecordWriter writer;
  writer.add_u64(proof_tag::leaf_index, leaf_index).add_u64(proof_tag::leaf_count, leaf_count);
  for (const Digest& d : siblings) writer.add_bytes(proof_tag::sibling, d);
  return std::move(writer).take();
}

Result<MerkleProof> MerkleProof::decode(std::span<const std::byte> bytes) {
  // A proof has at most 64 siblings of 32 bytes plus two integers.
  const RecordLimits limits{.max_bytes = 4096, .max_fields = 80, .max_depth = 1};
  Result<RecordView> view = RecordView::parse(bytes, limits);
  if (!view) return view.error();
  if (view->count(proof_tag::leaf_index) != 1 || view->count(proof_tag::leaf_count) != 1) {
    return Error{Errc::malformed_record, "Merkle proof needs exactly one leaf_index and one leaf_count"};
  }
  Result<std::uint64_t> index = view->get_u64_strict(proof_tag::leaf_index);
  if (!index) return index.error();
  Result<std::uint64_t> count = view->get_u64_strict(proof_tag::leaf_count);
  if (!count) return count.error();
  if (*count == 0) return Error{Errc::malformed_record, "Merkle proof for an empty batch"};
  if (*count > max_leaves) return Error{Errc::too_large, "Merkle proof for a batch above max_leaves"};
  if (*index >= *count) return Error{Errc::malformed_record, "Merkle proof leaf_index outside the batch"};
  MerkleProof proof{*index, *count, {}};
  for (const Field& field : view->fields()) {
    if (field.tag() != Tag(proof_tag::sibling)) continue;
    if (field.type() != WireType::bytes) return Error{Errc::wrong_type, "Merkle sibling is not bytes"};
    if (field.as_bytes().size() != digest_size) return Error{Errc::malformed_record, "Merkle sibling is not 32 bytes"};
    Digest d{};
    std::copy(field.as_bytes().begin(), field.as_bytes().end(), d.begin());
    proof.siblings.push_back(d);
  }
  if (proof.siblings.size() != merkle_path_length(*index, *count)) {
    return Error{Errc::malformed_record, "Merkle proof sibling count differs from the path length"};
  }
  return proof;
}

}  // namespace missive::bft
