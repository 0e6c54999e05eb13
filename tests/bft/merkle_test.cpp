// Merkle batching: roots, proofs, and the strict proof decoder.
#include <gtest/gtest.h>

#include <set>

#include "missive/bft/merkle.hpp"
#include "missive/wire/record_writer.hpp"
#include "test_support.hpp"

namespace missive::bft {
namespace {

std::vector<Bytes> batch_of(std::size_t count) {
  std::vector<Bytes> batch;
  for (std::size_t i = 0; i < count; ++i) batch.push_back(testing::numbered("message ", i));
  return batch;
}

TEST(Merkle, EveryProofOfEveryBatchSizeVerifiesAgainstTheRoot) {
  for (std::size_t count = 1; count <= 33; ++count) {
    const std::vector<Bytes> batch = batch_of(count);
    const Digest root = merkle_root(batch);
    for (std::size_t i = 0; i < count; ++i) {
      const MerkleProof proof = *merkle_prove(batch, i);
      EXPECT_EQ(proof.siblings.size(), merkle_path_length(i, count));
      EXPECT_TRUE(merkle_verify(root, batch[i], proof)) << count << " " << i;
      const Result<MerkleProof> decoded = MerkleProof::decode(proof.encode());
      ASSERT_TRUE(decoded) << decoded.error().message();
      EXPECT_TRUE(merkle_verify(root, batch[i], *decoded));
    }
  }
}

TEST(Merkle, AProofDoesNotVerifyAnotherMessageIndexOrRoot) {
  const std::vector<Bytes> batch = batch_of(6);
  const Digest root = merkle_root(batch);
  MerkleProof proof = *merkle_prove(batch, 2);
  EXPECT_FALSE(merkle_verify(root, batch[3], proof));
  EXPECT_FALSE(merkle_verify(merkle_root(batch_of(5)), batch[2], proof));
  proof.leaf_index = 3;
  EXPECT_FALSE(merkle_verify(root, batch[2], proof));
  proof.leaf_index = 2;
  proof.siblings[0][0] ^= std::byte{1};
  EXPECT_FALSE(merkle_verify(root, batch[2], proof));
  EXPECT_EQ(merkle_prove(batch, 6).code(), Errc::invalid_argument);
}

TEST(Merkle, DifferentBatchesHaveDifferentRoots) {
  // An odd last node is promoted, never duplicated: [a b c] and [a b c c]
  // must differ (the duplication bug lets two batches share a root).
  std::vector<Bytes> three = batch_of(3);
  std::vector<Bytes> four = three;
  four.push_back(three.back());
  EXPECT_NE(merkle_root(three), merkle_root(four));
  // A leaf cannot pose as an inner node: a one-message batch holding the two
  // child digests of a two-message batch has another root.
  const std::vector<Bytes> two = batch_of(2);
  Bytes concatenated;
  for (const Bytes& m : two) {
    const Digest leaf = merkle_leaf(m);
    concatenated.insert(concatenated.end(), leaf.begin(), leaf.end());
  }
  EXPECT_NE(merkle_root(two), merkle_root(std::vector<Bytes>{concatenated}));
  std::set<Digest> roots;
  for (std::size_t count = 1; count <= 20; ++count) roots.insert(merkle_root(batch_of(count)));
  EXPECT_EQ(roots.size(), 20u);
  std::vector<Bytes> swapped = batch_of(4);
  std::swap(swapped[0], swapped[1]);
  EXPECT_NE(merkle_root(swapped), merkle_root(batch_of(4)));
}

TEST(MerkleProofDecoder, RejectsEveryMalformedProof) {
  const std::vector<Bytes> batch = batch_of(5);
  const MerkleProof good = *merkle_prove(batch, 1);
  const Bytes bytes = good.encode();
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    EXPECT_FALSE(MerkleProof::decode(std::span<const std::byte>(bytes).first(cut))) << cut;
  }
  MerkleProof extra = good;
  extra.siblings.push_back(Digest{});
  EXPECT_EQ(MerkleProof::decode(extra.encode()).code(), Errc::malformed_record);
  MerkleProof missing = good;
  missing.siblings.pop_back();
  EXPECT_EQ(MerkleProof::decode(missing.encode()).code(), Errc::malformed_record);
  MerkleProof outside = good;
  outside.leaf_index = 5;
  EXPECT_EQ(MerkleProof::decode(outside.encode()).code(), Errc::malformed_record);
  MerkleProof empty = good;
  empty.leaf_count = 0;
  EXPECT_EQ(MerkleProof::decode(empty.encode()).code(), Errc::malformed_record);
  MerkleProof huge = good;
  huge.leaf_count = MerkleProof::max_leaves + 1;
  EXPECT_EQ(MerkleProof::decode(huge.encode()).code(), Errc::too_large);

  RecordWriter short_sibling;
  short_sibling.add_u64(1, 0).add_u64(2, 2).add_bytes(3, std::vector<std::byte>(31));
  EXPECT_EQ(MerkleProof::decode(short_sibling.bytes()).code(), Errc::malformed_record);
  RecordWriter twice;
  twice.add_u64(1, 0).add_u64(1, 0).add_u64(2, 1);
  EXPECT_EQ(MerkleProof::decode(twice.bytes()).code(), Errc::malformed_record);
  RecordWriter wrong_type;
  wrong_type.add_string(1, "0").add_u64(2, 1);
  EXPECT_EQ(MerkleProof::decode(wrong_type.bytes()).code(), Errc::wrong_type);
  EXPECT_EQ(MerkleProof::decode(std::vector<std::byte>(5000)).code(), Errc::too_large);
}

}  // namespace
}  // namespace missive::bft
