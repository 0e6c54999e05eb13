// membarrier(2) behind missive/channel/detail/asymmetric_fence.hpp (Linux only).
#include "missive/channel/detail/asymmetric_fence.hpp"

#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>

namespace missive::detail {
namespace {

long membarrier(int cmd) noexcept { return ::syscall(SYS_membarrier, cmd, 0U, 0); }

bool register_expedited() noexcept {
  // MISSIVE_NO_MEMBARRIER=1 forces the symmetric seq_cst protocol (for
  // comparisons and as an escape hatch).
  // Read once, inside a function-local static initializer.
  // NOLINTNEXTLINE(concurrency-mt-unsafe)
  if (const char* off = std::getenv("MISSIVE_NO_MEMBARRIER"); off != nullptr && *off == '1') return false;
  const long supported = membarrier(MEMBARRIER_CMD_QUERY);
  if (supported < 0 || (supported & MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0) return false;
  return membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0;
}

}  // namespace

bool asymmetric_fence_available() noexcept {
  static const bool available = register_expedited();  // once per process, thread-safe
  return available;
}

void heavy_fence() noexcept {
  // Cannot fail once registered (EINVAL/EPERM only without registration).
  (void)membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED);
}

}  // namespace missive::detail
