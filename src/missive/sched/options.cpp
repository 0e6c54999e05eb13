#include "missive/sched/options.hpp"

#include <cmath>

namespace missive::sched {

std::string_view name(Algorithm algorithm) noexcept {
  switch (algorithm) {
    case Algorithm::wfq:
      return "wfq";
    case Algorithm::wf2q:
      return "wf2q";
    case Algorithm::drr:
      return "drr";
  }
  return "unknown";
}

std::string_view name(FairnessMode mode) noexcept {
  switch (mode) {
    case FairnessMode::equal_messages:
      return "equal_messages";
    case FairnessMode::equal_bytes:
      return "equal_bytes";
    case FairnessMode::explicit_weights:
      return "explicit_weights";
  }
  return "unknown";
}

bool valid_weight(double weight) noexcept { return weight > 0 && std::isfinite(weight); }

Status validate(const FairQueueOptions& options) noexcept {
  switch (options.algorithm) {
    case Algorithm::wfq:
    case Algorithm::wf2q:
    case Algorithm::drr:
      break;
    default:
      return Error{Errc::invalid_argument, "FairQueueOptions: unknown algorithm"};
  }
  switch (options.mode) {
    case FairnessMode::equal_messages:
    case FairnessMode::equal_bytes:
    case FairnessMode::explicit_weights:
      break;
    default:
      return Error{Errc::invalid_argument, "FairQueueOptions: unknown fairness mode"};
  }
  if (!(options.size_ewma_alpha > 0 && options.size_ewma_alpha <= 1)) {
    return Error{Errc::invalid_argument, "FairQueueOptions: size_ewma_alpha must be in (0, 1]"};
  }
  if (!valid_weight(options.drr_quantum_bytes)) {
    return Error{Errc::invalid_argument, "FairQueueOptions: drr_quantum_bytes must be positive and finite"};
  }
  if (!valid_weight(options.drr_messages_per_turn)) {
    return Error{Errc::invalid_argument, "FairQueueOptions: drr_messages_per_turn must be positive and finite"};
  }
  if (!valid_weight(options.default_weight)) {
    return Error{Errc::invalid_argument, "FairQueueOptions: default_weight must be positive and finite"};
  }
  return ok();
}

}  // namespace missive::sched
