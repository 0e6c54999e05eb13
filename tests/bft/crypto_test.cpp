// libsodium behind crypto.hpp, the signed statement layout, ClusterConfig.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "missive/bft/config.hpp"
#include "missive/bft/crypto.hpp"
#include "missive/bft/statement.hpp"
#include "test_support.hpp"

namespace missive::bft {
namespace {

using testing::bytes_of;
using testing::keys_of;

std::string hex(std::span<const std::byte> bytes) {
  std::string out;
  char buf[3];
  for (std::byte b : bytes) {
    std::snprintf(buf, sizeof buf, "%02x", std::to_integer<unsigned>(b));
    out += buf;
  }
  return out;
}

TEST(Crypto, Blake2b256MatchesTheKnownAnswerForTheEmptyInput) {
  EXPECT_EQ(hex(hash({})), "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
}

TEST(Crypto, PrefixedHashesDifferFromPlainAndFromEachOther) {
  const Bytes m = bytes_of("abc");
  EXPECT_NE(hash(m), hash_with_prefix(std::byte{0}, m));
  EXPECT_NE(hash_with_prefix(std::byte{0}, m), hash_with_prefix(std::byte{1}, m));
  Bytes prefixed{std::byte{0}};
  prefixed.insert(prefixed.end(), m.begin(), m.end());
  EXPECT_EQ(hash_with_prefix(std::byte{0}, m), hash(prefixed));
}

TEST(Crypto, SignatureVerifiesOnlyForItsKeyAndMessage) {
  const KeyPair alice = keys_of(1);
  const KeyPair bob = keys_of(2);
  const Bytes message = bytes_of("attack at dawn");
  const Signature sig = alice.sign(message);
  EXPECT_TRUE(verify_signature(alice.public_key(), message, sig));
  EXPECT_FALSE(verify_signature(bob.public_key(), message, sig));
  Bytes altered = message;
  altered[0] ^= std::byte{1};
  EXPECT_FALSE(verify_signature(alice.public_key(), altered, sig));
  Signature flipped = sig;
  flipped[10] ^= std::byte{0x80};
  EXPECT_FALSE(verify_signature(alice.public_key(), message, flipped));
}

TEST(Crypto, KeysFromOneSeedAreEqualAndTheSeedRoundTrips) {
  const KeyPair a = keys_of(5);
  const KeyPair b = keys_of(5);
  EXPECT_EQ(a.public_key(), b.public_key());
  EXPECT_EQ(a.seed(), testing::seed_of(5));
  const KeyPair fresh1 = *KeyPair::generate();
  const KeyPair fresh2 = *KeyPair::generate();
  EXPECT_NE(fresh1.public_key(), fresh2.public_key());
}

TEST(Statement, LayoutIsTheDocumentedEightyBytes) {
  Digest digest{};
  digest.fill(std::byte{0xAB});
  const Statement s = make_statement(Domain::acknowledge, InstanceId{0x0102030405060708, 0x0A0B0C0D, 9}, digest);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(s.data())), "missive/bft/ack");
  EXPECT_EQ(s[24], std::byte{1});  // version, little-endian
  EXPECT_EQ(s[28], std::byte{0x08});
  EXPECT_EQ(s[35], std::byte{0x01});
  EXPECT_EQ(s[36], std::byte{0x0D});
  EXPECT_EQ(s[40], std::byte{9});
  EXPECT_EQ(s[48], std::byte{0xAB});
  EXPECT_EQ(s[79], std::byte{0xAB});
}

TEST(Statement, DomainVersionAndEveryFieldChangeTheBytes) {
  const Digest d{};
  const InstanceId i{1, 2, 3};
  const Statement base = make_statement(Domain::propose, i, d);
  EXPECT_NE(base, make_statement(Domain::acknowledge, i, d));
  EXPECT_NE(base, make_statement(Domain::propose, i, d, protocol_version + 1));
  EXPECT_NE(base, make_statement(Domain::propose, InstanceId{2, 2, 3}, d));
  EXPECT_NE(base, make_statement(Domain::propose, InstanceId{1, 3, 3}, d));
  EXPECT_NE(base, make_statement(Domain::propose, InstanceId{1, 2, 4}, d));
  Digest other{};
  other[31] = std::byte{1};
  EXPECT_NE(base, make_statement(Domain::propose, i, other));
}

std::vector<PublicKey> keys(std::uint32_t n) {
  std::vector<PublicKey> out;
  for (NodeId id = 0; id < n; ++id) out.push_back(keys_of(id).public_key());
  return out;
}

TEST(ClusterConfig, RefusesFewerThanThreeFPlusOneMembers) {
  EXPECT_EQ(ClusterConfig::create(1, 1, keys(3)).code(), Errc::invalid_argument);
  EXPECT_EQ(ClusterConfig::create(1, 2, keys(6)).code(), Errc::invalid_argument);
  EXPECT_EQ(ClusterConfig::create(1, 0, keys(0)).code(), Errc::invalid_argument);
  EXPECT_TRUE(ClusterConfig::create(1, 1, keys(4)));
  EXPECT_TRUE(ClusterConfig::create(1, 2, keys(7)));
  EXPECT_TRUE(ClusterConfig::create(1, 0, keys(1)));
}

TEST(ClusterConfig, RefusesSharedKeysAndZeroLimits) {
  std::vector<PublicKey> k = keys(4);
  k[3] = k[1];
  EXPECT_EQ(ClusterConfig::create(1, 1, k).code(), Errc::invalid_argument);
  EXPECT_EQ(ClusterConfig::create(1, 1, keys(4), BroadcastLimits{.max_batch_messages = 0}).code(),
            Errc::invalid_argument);
}

TEST(ClusterConfig, QuorumIsTwoFPlusOneAtThreeFPlusOneAndIntersectsBeyond) {
  EXPECT_EQ(ClusterConfig::quorum_size(4, 1), 3u);
  EXPECT_EQ(ClusterConfig::quorum_size(7, 2), 5u);
  EXPECT_EQ(ClusterConfig::quorum_size(10, 3), 7u);
  EXPECT_EQ(ClusterConfig::quorum_size(5, 1), 4u);  // 2f+1 = 3 would let two quorums of 5 meet in one member
  EXPECT_EQ(ClusterConfig::quorum_size(1, 0), 1u);
  const ClusterConfig c = *ClusterConfig::create(9, 1, keys(4));
  EXPECT_EQ(c.n(), 4u);
  EXPECT_EQ(c.quorum(), 3u);
  EXPECT_EQ(c.epoch(), 9u);
  EXPECT_TRUE(c.is_member(3));
  EXPECT_FALSE(c.is_member(4));
}

}  // namespace
}  // namespace missive::bft
