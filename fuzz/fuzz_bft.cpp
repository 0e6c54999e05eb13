// libFuzzer target: every bft decoder (messages, Merkle proofs) and a fresh
// echo and Bracha node fed the bytes; bft::fuzz_decoders() holds the oracles
// (canonical re-encoding, proof lengths, refused input changes nothing).
#include <cstddef>
#include <cstdint>
#include <span>

#include "missive/bft/fuzz_entry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {  // NOLINT(readability-identifier-naming)
  missive::bft::fuzz_decoders(std::span<const std::byte>(reinterpret_cast<const std::byte*>(data), size));
  return 0;
}
