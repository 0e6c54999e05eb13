#include "missive/bft/config.hpp"

#include <algorithm>
#include <utility>

#include "missive/bft/crypto.hpp"

namespace missive::bft {

Result<ClusterConfig> ClusterConfig::create(std::uint64_t epoch, std::uint32_t f, std::vector<PublicKey> members,
                                            BroadcastLimits limits) {
  if (Status s = crypto_init(); !s) return s.error();
  if (members.empty() || members.size() > max_members) {
    return Error{Errc::invalid_argument, "a cluster has 1 .. 65536 members"};
  }
  if (members.size() < 3 * std::uint64_t{f} + 1) {
    return Error{Errc::invalid_argument, "n >= 3f+1 is required to tolerate f Byzantine members"};
  }
  std::vector<PublicKey> sorted = members;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
    return Error{Errc::invalid_argument, "two members share one public key"};
  }
  if (limits.max_batch_messages == 0 || limits.max_message_bytes == 0 || limits.max_batch_bytes == 0) {
    return Error{Errc::invalid_argument, "broadcast limits must be positive"};
  }
  ClusterConfig config;
  config.epoch_ = epoch;
  config.f_ = f;
  config.members_ = std::move(members);
  config.limits_ = limits;
  return config;
}

}  // namespace missive::bft
