// missive/bft/fuzz_entry.hpp - one entry point that feeds untrusted bytes to every bft decoder.
//
// fuzz_decoders(bytes) runs the message decoder, the Merkle proof decoder,
// and a fresh EchoNode and BrachaNode (n = 4, f = 1) on `bytes`, and checks
// what must hold for any input:
//   - nothing crashes, reads out of bounds or allocates beyond the limits;
//   - a decoded message re-encodes canonically: encode(decode(encode(m))) == encode(m);
//   - a decoded Merkle proof has exactly the path length its index and count imply;
//   - refused input leaves a node's effects empty.
// A broken check aborts (std::abort), which a fuzzer reports. Meant for a
// libFuzzer target (LLVMFuzzerTestOneInput calls it) and for tests.
#pragma once

#include <span>

namespace missive::bft {

void fuzz_decoders(std::span<const std::byte> bytes);

}  // namespace missive::bft
