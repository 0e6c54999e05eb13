// missive/bft/sim/rng.hpp - a small seeded generator whose output is the same everywhere.
//
// SplitMix64 (Steele, Lea, Flood 2014). The standard library's engines are
// portable but its distributions are not, so the simulator derives every
// random choice from next() itself: a seed names one exact run.
//
// Thread safety: a value; one thread at a time.
#pragma once

#include <cstdint>

namespace missive::bft::sim {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) noexcept : state_(seed) {}

  std::uint64_t next() noexcept {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, bound); 0 when bound is 0. (A remainder: the bias is
  // below 2^-40 for the small bounds used here.)
  std::uint64_t below(std::uint64_t bound) noexcept { return bound == 0 ? 0 : next() % bound; }
  // Uniform in [low, high].
  std::uint64_t between(std::uint64_t low, std::uint64_t high) noexcept { return low + below(high - low + 1); }
  // True with probability `p` (0 .. 1).
  bool chance(double p) noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53 < p; }
  // An independent generator (for one purpose: schedule, network, an actor).
  Rng fork() noexcept { return Rng(next()); }

 private:
  std::uint64_t state_;
};

}  // namespace missive::bft::sim
