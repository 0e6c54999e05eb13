// missive/costmodel/path_choice.hpp - inline copy or loan, per message.
//
// shm:// connections send a message either inline (copied into the ring) or
// through a loaned shared buffer. The choice is automatic by the machine's
// crossover (profile.hpp) unless the connection or the message says otherwise.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>

namespace missive::costmodel {

enum class SendPath : std::uint8_t {
  automatic,    // by size: loan from the crossover on, inline below it
  inline_copy,  // always copy into the ring
  loan,         // always through a loaned buffer
};

// "never share": the crossover of a machine where copying always wins.
inline constexpr std::size_t never_share = std::numeric_limits<std::size_t>::max();

// The path for a message of `bytes` bytes: the request unless automatic, then
// loan when bytes >= crossover_bytes. Never returns automatic.
[[nodiscard]] constexpr SendPath choose_path(SendPath requested, std::size_t bytes,
                                             std::size_t crossover_bytes) noexcept {
  if (requested != SendPath::automatic) return requested;
  return bytes >= crossover_bytes ? SendPath::loan : SendPath::inline_copy;
}

}  // namespace missive::costmodel
