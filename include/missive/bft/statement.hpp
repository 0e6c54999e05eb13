// missive/bft/statement.hpp - the exact bytes that are signed.
//
// Signatures never cover wire encodings (which have several valid spellings);
// they cover one fixed 80-byte statement, little-endian:
//
//   offset  size  field
//   ------  ----  -------------------------------------------------------
//        0    24  domain tag, ASCII, zero-padded ("missive/bft/propose")
//       24     4  protocol version (protocol_version)
//       28     8  epoch
//       36     4  sender (node id)
//       40     8  sequence
//       48    32  payload digest (Merkle root of the batch)
//
// The domain tag separates the sender's proposal signature from a witness's
// acknowledgement: the sender is also a witness, and without the tag its
// proposal signature would double as an acknowledgement.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "missive/bft/types.hpp"

namespace missive::bft {

inline constexpr std::uint32_t protocol_version = 1;
inline constexpr std::size_t statement_size = 80;
inline constexpr std::size_t domain_tag_size = 24;

enum class Domain : std::uint8_t {
  propose,      // "missive/bft/propose": the sender vouches for (instance, digest)
  acknowledge,  // "missive/bft/ack": a witness's one vote for (instance, digest)
};

using Statement = std::array<std::byte, statement_size>;

[[nodiscard]] Statement make_statement(Domain domain, const InstanceId& instance, const Digest& digest,
                                       std::uint32_t version = protocol_version) noexcept;

}  // namespace missive::bft
