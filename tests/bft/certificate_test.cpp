// Certificate validation: every rule, each broken alone.
#include <gtest/gtest.h>

#include "missive/bft/certificate.hpp"
#include "missive/bft/statement.hpp"
#include "test_support.hpp"

namespace missive::bft {
namespace {

using testing::keys_of;

class CertificateTest : public ::testing::Test {
 protected:
  const ClusterConfig config = testing::config_of(4, 1);
  const InstanceId instance{7, 2, 5};
  Digest root = [] {
    Digest d{};
    d.fill(std::byte{0x33});
    return d;
  }();

  WitnessSignature ack_by(NodeId witness, Domain domain = Domain::acknowledge) const {
    return {witness, keys_of(witness).sign(make_statement(domain, instance, root))};
  }
  Certificate valid() const { return Certificate{{ack_by(0), ack_by(1), ack_by(3)}}; }
};

TEST_F(CertificateTest, AQuorumOfDistinctMembersVerifies) {
  EXPECT_TRUE(valid().verify(config, instance, root));
  Certificate all_four = valid();
  all_four.signatures.push_back(ack_by(2));
  EXPECT_TRUE(all_four.verify(config, instance, root));
}

TEST_F(CertificateTest, TooFewSignaturesAreRefused) {
  Certificate c = valid();
  c.signatures.pop_back();
  EXPECT_EQ(c.verify(config, instance, root).code(), Errc::bad_signature);
  EXPECT_EQ(Certificate{}.verify(config, instance, root).code(), Errc::bad_signature);
}

TEST_F(CertificateTest, ASignerListedTwiceCountsOnceAndIsRefused) {
  Certificate c{{ack_by(0), ack_by(1), ack_by(1)}};
  EXPECT_EQ(c.verify(config, instance, root).code(), Errc::bad_signature);
  Certificate three_times{{ack_by(3), ack_by(3), ack_by(3)}};
  EXPECT_EQ(three_times.verify(config, instance, root).code(), Errc::bad_signature);
}

TEST_F(CertificateTest, AnUnknownSignerIsRefused) {
  Certificate c = valid();
  c.signatures[2].witness = 4;
  EXPECT_EQ(c.verify(config, instance, root).code(), Errc::bad_signature);
  c.signatures[2].witness = 0xFFFFFFFF;
  EXPECT_EQ(c.verify(config, instance, root).code(), Errc::bad_signature);
}

TEST_F(CertificateTest, TheWrongDomainIsRefused) {
  // A sender's proposal signature is not its acknowledgement.
  Certificate c{{ack_by(0), ack_by(1), ack_by(2, Domain::propose)}};
  EXPECT_EQ(c.verify(config, instance, root).code(), Errc::bad_signature);
}

TEST_F(CertificateTest, ItCertifiesOnlyItsInstanceAndRoot) {
  Digest other = root;
  other[0] ^= std::byte{1};
  EXPECT_EQ(valid().verify(config, instance, other).code(), Errc::bad_signature);
  EXPECT_EQ(valid().verify(config, InstanceId{7, 2, 6}, root).code(), Errc::bad_signature);
  EXPECT_EQ(valid().verify(config, InstanceId{8, 2, 5}, root).code(), Errc::bad_signature);  // replay across epochs
}

TEST_F(CertificateTest, ASignatureUnderAnotherMembersIdIsRefused) {
  Certificate c = valid();
  c.signatures[2] = {2, ack_by(3).signature};
  EXPECT_EQ(c.verify(config, instance, root).code(), Errc::bad_signature);
  c.signatures[2] = {3, Signature{}};
  EXPECT_EQ(c.verify(config, instance, root).code(), Errc::bad_signature);
}

}  // namespace
}  // namespace missive::bft
