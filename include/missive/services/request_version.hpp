// missive/services/request_version.hpp - the protocol version every service request carries.
//
// Tag 15 of every request of fsd and kvd holds the version the client speaks;
// a request without it is version 1 (the first clients did not send it). A
// server answers every version in [min, max] and refuses the others with
// unsupported_version, so a client learns at once that it must step down.
#pragma once

#include <cstdint>

#include "missive/core/result.hpp"
#include "missive/wire/record_format.hpp"

namespace missive::services {

inline constexpr Tag protocol_version_tag = 15;
inline constexpr std::uint64_t protocol_version_when_absent = 1;

// ok when min <= version <= max.
[[nodiscard]] inline Status check_version(std::uint64_t version, std::uint64_t min, std::uint64_t max) noexcept {
  if (version < min || version > max) return Error{Errc::unsupported_version, "protocol version not served here"};
  return ok();
}

}  // namespace missive::services
