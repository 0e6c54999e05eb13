// libsodium behind the crypto.hpp interface. Nothing else in missive
// includes <sodium.h>.
#include "missive/bft/crypto.hpp"

#include <sodium.h>

#include <algorithm>
#include <utility>

namespace missive::bft {

static_assert(public_key_size == crypto_sign_PUBLICKEYBYTES);
static_assert(secret_key_size == crypto_sign_SECRETKEYBYTES);
static_assert(signature_size == crypto_sign_BYTES);
static_assert(seed_size == crypto_sign_SEEDBYTES);
static_assert(digest_size >= crypto_generichash_BYTES_MIN && digest_size <= crypto_generichash_BYTES_MAX);

namespace {

unsigned char* raw(std::byte* p) noexcept { return reinterpret_cast<unsigned char*>(p); }
const unsigned char* raw(const std::byte* p) noexcept { return reinterpret_cast<const unsigned char*>(p); }

}  // namespace

Status crypto_init() noexcept {
  // A function-local static runs sodium_init() exactly once, thread-safely.
  static const int result = sodium_init();
  if (result < 0) return Error{Errc::system_error, "sodium_init failed (libsodium could not initialize)"};
  return ok();
}

Result<KeyPair> KeyPair::generate() {
  if (Status s = crypto_init(); !s) return s.error();
  Seed seed{};
  randombytes_buf(seed.data(), seed.size());
  Result<KeyPair> pair = from_seed(seed);
  sodium_memzero(seed.data(), seed.size());
  return pair;
}

Result<KeyPair> KeyPair::from_seed(const Seed& seed) {
  if (Status s = crypto_init(); !s) return s.error();
  KeyPair pair;
  if (crypto_sign_seed_keypair(raw(pair.public_.data()), raw(pair.secret_.data()), raw(seed.data())) != 0) {
    return Error{Errc::system_error, "crypto_sign_seed_keypair failed"};
  }
  return pair;
}

KeyPair::KeyPair(KeyPair&& other) noexcept : public_(other.public_), secret_(other.secret_) {
  sodium_memzero(other.secret_.data(), other.secret_.size());
}

KeyPair& KeyPair::operator=(KeyPair&& other) noexcept {
  if (this != &other) {
    public_ = other.public_;
    secret_ = other.secret_;
    sodium_memzero(other.secret_.data(), other.secret_.size());
  }
  return *this;
}

KeyPair::~KeyPair() { sodium_memzero(secret_.data(), secret_.size()); }

Signature KeyPair::sign(std::span<const std::byte> message) const noexcept {
  Signature signature{};
  crypto_sign_detached(raw(signature.data()), nullptr, raw(message.data()), message.size(), raw(secret_.data()));
  return signature;
}

Seed KeyPair::seed() const noexcept {
  Seed seed{};
  crypto_sign_ed25519_sk_to_seed(raw(seed.data()), raw(secret_.data()));
  return seed;
}

bool verify_signature(const PublicKey& key, std::span<const std::byte> message, const Signature& signature) noexcept {
  return crypto_sign_verify_detached(raw(signature.data()), raw(message.data()), message.size(), raw(key.data())) ==
         0;
}

Digest hash(std::span<const std::byte> bytes) noexcept {
  Digest out{};
  crypto_generichash(raw(out.data()), out.size(), raw(bytes.data()), bytes.size(), nullptr, 0);
  return out;
}

Digest hash_with_prefix(std::byte prefix, std::span<const std::byte> bytes) noexcept {
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, digest_size);
  crypto_generichash_update(&state, raw(&prefix), 1);
  crypto_generichash_update(&state, raw(bytes.data()), bytes.size());
  Digest out{};
  crypto_generichash_final(&state, raw(out.data()), out.size());
  return out;
}

Digest hash_pair(std::byte prefix, const Digest& left, const Digest& right) noexcept {
  std::array<std::byte, 1 + 2 * digest_size> input{};
  input[0] = prefix;
  std::copy(left.begin(), left.end(), input.begin() + 1);
  std::copy(right.begin(), right.end(), input.begin() + 1 + digest_size);
  return hash(input);
}

}  // namespace missive::bft
