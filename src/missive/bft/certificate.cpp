#include "missive/bft/certificate.hpp"

#include <vector>

#include "missive/bft/crypto.hpp"
#include "missive/bft/statement.hpp"

namespace missive::bft {

Status Certificate::verify(const ClusterConfig& config, const InstanceId& instance, const Digest& digest) const {
  if (signatures.size() < config.quorum()) {
    return Error{Errc::bad_signature, "certificate has fewer signatures than a quorum"};
  }
  std::vector<bool> signed_already(config.n(), false);
  for (const WitnessSignature& s : signatures) {
    if (!config.is_member(s.witness)) return Error{Errc::bad_signature, "certificate signer is not a member"};
    if (signed_already[s.witness]) return Error{Errc::bad_signature, "certificate lists one signer twice"};
    signed_already[s.witness] = true;
  }
  const Statement statement = make_statement(Domain::acknowledge, instance, digest);
  for (const WitnessSignature& s : signatures) {
    if (!verify_signature(config.key_of(s.witness), statement, s.signature)) {
      return Error{Errc::bad_signature, "certificate signature does not verify"};
    }
  }
  return ok();
}

}  // namespace missive::bft
