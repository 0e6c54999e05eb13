// missive/costmodel/model.hpp - predicted one-way latency per path, and where two paths cross.
//
// Every path is modelled as a line in the message size x: T(x) = fixed_ns +
// ns_per_byte * x (parameters.hpp names the three), bent at most once at a
// knee. Two straight lines cross at
//
//   x* = (fixed_share - fixed_copy) / (per_byte_copy - per_byte_share)
//
// and which side of x* each path wins on depends on the signs (Crossover);
// with knees the same formula is solved per segment.
// Pure functions, no state: safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>

#include "missive/costmodel/parameters.hpp"

namespace missive::costmodel {

enum class Path : std::uint8_t {
  kernel_copy,  // through the kernel: socketpair, pipe
  inline_copy,  // copied into and out of a shm ring
  share,        // a shared (loaned) buffer handed over
};

// "kernel", "inline", "share".
[[nodiscard]] std::string_view path_name(Path path) noexcept;

// T(x) = fixed_ns + ns_per_byte * x up to knee_bytes, then continuing with
// slope ns_per_byte_above (no knee: knee_bytes = +inf).
struct Line {
  double fixed_ns = 0;
  double ns_per_byte = 0;
  double knee_bytes = std::numeric_limits<double>::infinity();
  double ns_per_byte_above = 0;
  [[nodiscard]] double at(double bytes) const noexcept {
    if (bytes <= knee_bytes) return fixed_ns + ns_per_byte * bytes;
    return fixed_ns + ns_per_byte * knee_bytes + ns_per_byte_above * (bytes - knee_bytes);
  }
  [[nodiscard]] bool bent() const noexcept { return knee_bytes < std::numeric_limits<double>::infinity(); }
  friend bool operator==(const Line&, const Line&) = default;
};

// The line of `path` under `p` (a zero bandwidth gives an infinite slope).
[[nodiscard]] Line line_of(const Parameters& p, Path path) noexcept;
// Predicted one-way latency of a `bytes`-byte message on `path`, in ns.
[[nodiscard]] double predict_ns(const Parameters& p, Path path, double bytes) noexcept;

// Where a copying path and a sharing path cross.
struct Crossover {
  enum class Kind : std::uint8_t {
    at_size,       // copy is cheaper below `bytes`, share from `bytes` on
    share_always,  // share is never more expensive (bytes = 0)
    copy_always,   // copy is never more expensive (bytes = +inf)
    share_below,   // inverted: share cheaper below `bytes`, copy above
  };
  Kind kind = Kind::copy_always;
  double bytes = 0;
  // The size from which sharing is chosen; +inf when never.
  [[nodiscard]] double share_from() const noexcept;
};

// The crossover of `copy` and `share` (closed form above).
[[nodiscard]] Crossover crossover(const Line& copy, const Line& share) noexcept;
// The model's crossovers: inline ring copy vs loan (what shm:// uses to choose)
// and kernel copy vs share (the seed's comparison).
[[nodiscard]] Crossover inline_share_crossover(const Parameters& p) noexcept;
[[nodiscard]] Crossover kernel_share_crossover(const Parameters& p) noexcept;

}  // namespace missive::costmodel
