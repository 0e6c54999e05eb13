// missive/bft/certificate.hpp - a quorum of witness acknowledgements for one digest.
//
// A certificate for (instance, digest) is a list of (witness, signature)
// pairs, each signature over the acknowledge statement of (instance, digest)
// (statement.hpp). It is valid when
//   - it has at least quorum() entries,
//   - every witness is a member and appears once (distinct signers: one
//     Byzantine witness signing twice must not count twice),
//   - every signature verifies under that witness's key.
// Validity is never decided by signature bytes alone: two certificates with
// different signature bytes for one (instance, digest) are equally good.
#pragma once

#include <vector>

#include "missive/bft/config.hpp"
#include "missive/bft/types.hpp"
#include "missive/core/result.hpp"

namespace missive::bft {

struct WitnessSignature {
  NodeId witness = 0;
  Signature signature{};
};

struct Certificate {
  std::vector<WitnessSignature> signatures;

  // Errors (all Errc::bad_signature, detail says which rule failed): too few
  // signatures, a signer that is not a member, a signer listed twice, a
  // signature that does not verify (wrong key, wrong domain, wrong digest).
  [[nodiscard]] Status verify(const ClusterConfig& config, const InstanceId& instance, const Digest& digest) const;
};

}  // namespace missive::bft
