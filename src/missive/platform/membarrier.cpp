#include "missive/platform/membarrier.hpp"

#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>

namespace missive::platform {
namespace {

long membarrier(int cmd) noexcept { return ::syscall(SYS_membarrier, cmd, 0U, 0); }

bool query_supported() noexcept {
  const long supported = membarrier(MEMBARRIER_CMD_QUERY);
  return supported >= 0 && (supported & MEMBARRIER_CMD_GLOBAL_EXPEDITED) != 0 &&
         (supported & MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED) != 0;
}

bool register_process() noexcept {
  // MISSIVE_NO_MEMBARRIER=1 keeps this process on the symmetric seq_cst
  // protocol (for comparisons and as an escape hatch). Read once, inside a
  // function-local static initializer.
  // NOLINTNEXTLINE(concurrency-mt-unsafe)
  if (const char* off = std::getenv("MISSIVE_NO_MEMBARRIER"); off != nullptr && *off == '1') return false;
  return heavy_fence_supported() && membarrier(MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED) == 0;
}

}  // namespace

bool heavy_fence_supported() noexcept {
  static const bool supported = query_supported();  // once per process, thread-safe
  return supported;
}

bool registered_for_heavy_fence() noexcept {
  static const bool registered = register_process();
  return registered;
}

void heavy_fence_all() noexcept {
  // Cannot fail when supported (EINVAL only without kernel support).
  if (heavy_fence_supported()) (void)membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED);
}

}  // namespace missive::platform
