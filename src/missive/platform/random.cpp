#include "missive/platform/random.hpp"

#include <sys/random.h>

#include <cerrno>

#include "missive/platform/system_error.hpp"

namespace missive::platform {

Result<std::uint64_t> random_u64() {
  std::uint64_t value = 0;
  for (;;) {
    const ssize_t n = ::getrandom(&value, sizeof value, 0);
    if (n == static_cast<ssize_t>(sizeof value)) return value;
    if (n < 0 && errno != EINTR) return error_from_errno(errno, "getrandom failed");
  }
}

}  // namespace missive::platform
