// missive/bft/crypto.hpp - the only door to libsodium: Ed25519 and BLAKE2b.
//
// crypto_init() must succeed once before anything else here is used (it is
// cheap and idempotent; ClusterConfig::create and KeyPair call it). All
// functions are thread-safe after that.
#pragma once

#include <span>

#include "missive/bft/types.hpp"
#include "missive/core/result.hpp"

namespace missive::bft {

// Initializes libsodium (sodium_init), once per process.
[[nodiscard]] Status crypto_init() noexcept;

// An Ed25519 key pair. The secret half is wiped when the pair is destroyed.
class KeyPair {
 public:
  // A fresh random key pair.
  [[nodiscard]] static Result<KeyPair> generate();
  // The key pair for `seed` (deterministic: simulations and tests).
  [[nodiscard]] static Result<KeyPair> from_seed(const Seed& seed);

  KeyPair(const KeyPair&) = delete;
  KeyPair& operator=(const KeyPair&) = delete;
  KeyPair(KeyPair&& other) noexcept;
  KeyPair& operator=(KeyPair&& other) noexcept;
  ~KeyPair();

  [[nodiscard]] const PublicKey& public_key() const noexcept { return public_; }
  // Signs `message` (detached signature).
  [[nodiscard]] Signature sign(std::span<const std::byte> message) const noexcept;
  // The 32-byte seed the pair was made from (what `keygen` stores).
  [[nodiscard]] Seed seed() const noexcept;

 private:
  KeyPair() = default;
  PublicKey public_{};
  std::array<std::byte, secret_key_size> secret_{};
};

// True when `signature` is `key`'s signature of `message`.
[[nodiscard]] bool verify_signature(const PublicKey& key, std::span<const std::byte> message,
                                    const Signature& signature) noexcept;

// BLAKE2b-256 of `bytes`.
[[nodiscard]] Digest hash(std::span<const std::byte> bytes) noexcept;
// BLAKE2b-256 of prefix || bytes (domain-separated hashing, Merkle trees).
[[nodiscard]] Digest hash_with_prefix(std::byte prefix, std::span<const std::byte> bytes) noexcept;
// BLAKE2b-256 of prefix || left || right.
[[nodiscard]] Digest hash_pair(std::byte prefix, const Digest& left, const Digest& right) noexcept;

}  // namespace missive::bft
