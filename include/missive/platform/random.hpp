// missive/platform/random.hpp - unpredictable numbers from the kernel (getrandom).
//
// For identifiers that must not collide or be guessed (segment session ids),
// not for simulations.
#pragma once

#include <cstdint>

#include "missive/core/result.hpp"

namespace missive::platform {

[[nodiscard]] Result<std::uint64_t> random_u64();

}  // namespace missive::platform
