// Mutual Ed25519 authentication at connect (tcp_auth.hpp). All cryptography is libsodium's.
#include "missive/net/tcp_auth.hpp"

#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <string_view>

namespace missive::net {
namespace {

constexpr std::size_t nonce_size = 32;
constexpr std::size_t domain_size = 32;
constexpr std::byte protocol_version{1};
constexpr std::size_t hello_size = 1 + 32 + nonce_size;
constexpr std::size_t challenge_size = 32 + nonce_size + 64;
constexpr std::size_t response_size = 64;

static_assert(crypto_sign_PUBLICKEYBYTES == 32 && crypto_sign_SECRETKEYBYTES == 64 && crypto_sign_BYTES == 64 &&
              crypto_sign_SEEDBYTES == 32);

enum class RejectReason : std::uint8_t { unknown_key = 1, bad_signature = 2, malformed = 3 };

using Nonce = std::array<std::byte, nonce_size>;

Status init_sodium() noexcept {
  // sodium_init is thread-safe and idempotent: 0 first time, 1 after.
  return sodium_init() >= 0 ? ok() : Status(Error{Errc::system_error, "libsodium failed to initialize"});
}

Nonce fresh_nonce() noexcept {
  Nonce n;
  randombytes_buf(n.data(), n.size());
  return n;
}

bool verify(const NodeKey& key, std::span<const std::byte> message, std::span<const std::byte> signature) noexcept {
  return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(signature.data()),
                                     reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                                     reinterpret_cast<const unsigned char*>(key.data())) == 0;
}

std::optional<std::size_t> find_key(std::span<const NodeKey> trusted, std::span<const std::byte> key) {
  for (std::size_t i = 0; i < trusted.size(); ++i) {
    if (std::equal(key.begin(), key.end(), trusted[i].begin(), trusted[i].end())) return i;
  }
  return std::nullopt;
}

// The next handshake frame: it must have type `type` and exactly `size` bytes.
Status expect_frame(TcpStream& stream, std::uint32_t type, std::size_t size, std::vector<std::byte>& payload,
                    Deadline deadline) {
  auto fields = stream.recv(payload, deadline);
  if (!fields) return fields.error();
  if (fields->message_type == auth_frame::reject) {
    if (payload.size() == 1 && payload[0] == std::byte{static_cast<std::uint8_t>(RejectReason::unknown_key)}) {
      return Error{Errc::refused, "the peer rejected the handshake: our key is not trusted there"};
    }
    if (payload.size() == 1 && payload[0] == std::byte{static_cast<std::uint8_t>(RejectReason::bad_signature)}) {
      return Error{Errc::refused, "the peer rejected the handshake: our signature did not verify there"};
    }
    return Error{Errc::refused, "the peer rejected the handshake"};
  }
  if (fields->message_type != type) return Error{Errc::malformed_frame, "unexpected frame type in the auth handshake"};
  if (payload.size() != size) return Error{Errc::malformed_frame, "auth handshake frame of the wrong size"};
  return ok();
}

void send_reject(TcpStream& stream, RejectReason reason, Deadline deadline) {
  const std::byte why{static_cast<std::uint8_t>(reason)};
  // Best effort: we are about to fail the handshake whether or not it arrives.
  (void)stream.send(std::span<const std::byte>(&why, 1), deadline, FrameHeaderFields{0, auth_frame::reject, 0});
}

}  // namespace

// ---------------------------------------------------------------- identity

Result<Identity> Identity::from_seed(const KeySeed& seed) {
  if (Status s = init_sodium(); !s) return s.error();
  Identity id;
  if (crypto_sign_seed_keypair(reinterpret_cast<unsigned char*>(id.public_.data()),
                               reinterpret_cast<unsigned char*>(id.secret_.data()),
                               reinterpret_cast<const unsigned char*>(seed.data())) != 0) {
    return Error{Errc::system_error, "crypto_sign_seed_keypair failed"};
  }
  return id;
}

Identity::~Identity() { sodium_memzero(secret_.data(), secret_.size()); }

NodeSignature Identity::sign(std::span<const std::byte> message) const noexcept {
  NodeSignature sig{};
  crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       reinterpret_cast<const unsigned char*>(secret_.data()));
  return sig;
}

std::vector<std::byte> auth_transcript(bool server_side, const NodeKey& client_key,
                                       std::span<const std::byte> client_nonce, const NodeKey& server_key,
                                       std::span<const std::byte> server_nonce) {
  const std::string_view domain = server_side ? "missive/net/auth/v1/server" : "missive/net/auth/v1/client";
  static_assert(domain_size >= 26);
  std::vector<std::byte> out(domain_size + 2 * 32 + client_nonce.size() + server_nonce.size(), std::byte{0});
  std::byte* at = out.data();
  std::memcpy(at, domain.data(), domain.size());
  at += domain_size;
  std::memcpy(at, client_key.data(), client_key.size());
  at += client_key.size();
  std::memcpy(at, client_nonce.data(), client_nonce.size());
  at += client_nonce.size();
  std::memcpy(at, server_key.data(), server_key.size());
  at += server_key.size();
  if (!server_nonce.empty()) std::memcpy(at, server_nonce.data(), server_nonce.size());
  return out;
}

// ------------------------------------------------------------- handshakes

Result<AuthenticatedPeer> authenticate_client(TcpStream& stream, const Identity& self,
                                              std::span<const NodeKey> trusted, std::optional<std::size_t> expected,
                                              Deadline deadline) {
  if (Status s = init_sodium(); !s) return s.error();
  const Nonce client_nonce = fresh_nonce();
  std::vector<std::byte> hello(hello_size);
  hello[0] = protocol_version;
  std::memcpy(hello.data() + 1, self.public_key().data(), 32);
  std::memcpy(hello.data() + 33, client_nonce.data(), nonce_size);
  if (Status s = stream.send(hello, deadline, FrameHeaderFields{0, auth_frame::hello, 0}); !s) return s.error();

  std::vector<std::byte> challenge;
  if (Status s = expect_frame(stream, auth_frame::challenge, challenge_size, challenge, deadline); !s) {
    if (s.code() == Errc::malformed_frame) send_reject(stream, RejectReason::malformed, deadline);
    return s.error();
  }
  const std::span<const std::byte> c(challenge);
  NodeKey server_key;
  std::copy_n(c.begin(), 32, server_key.begin());
  const auto server_nonce = c.subspan(32, nonce_size);
  const auto server_sig = c.subspan(32 + nonce_size, 64);
  const std::optional<std::size_t> index = find_key(trusted, server_key);
  if (!index) {
    send_reject(stream, RejectReason::unknown_key, deadline);
    return Error{Errc::permission_denied, "the server's key is not trusted"};
  }
  if (expected && *index != *expected) {
    send_reject(stream, RejectReason::unknown_key, deadline);
    return Error{Errc::permission_denied, "the server presented another member's key than the one we dialled"};
  }
  if (!verify(server_key, auth_transcript(true, self.public_key(), client_nonce, server_key, server_nonce),
              server_sig)) {
    send_reject(stream, RejectReason::bad_signature, deadline);
    return Error{Errc::bad_signature, "the server's handshake signature does not verify (forged or replayed)"};
  }
  const NodeSignature sig = self.sign(auth_transcript(false, self.public_key(), client_nonce, server_key, server_nonce));
  if (Status s = stream.send(sig, deadline, FrameHeaderFields{0, auth_frame::response, 0}); !s) return s.error();
  std::vector<std::byte> welcome;
  if (Status s = expect_frame(stream, auth_frame::welcome, 0, welcome, deadline); !s) return s.error();
  return AuthenticatedPeer{*index, server_key};
}

Result<AuthenticatedPeer> authenticate_server(TcpStream& stream, const Identity& self,
                                              std::span<const NodeKey> trusted, Deadline deadline) {
  if (Status s = init_sodium(); !s) return s.error();
  std::vector<std::byte> hello;
  if (Status s = expect_frame(stream, auth_frame::hello, hello_size, hello, deadline); !s) {
    if (s.code() == Errc::malformed_frame) send_reject(stream, RejectReason::malformed, deadline);
    return s.error();
  }
  if (hello[0] != protocol_version) {
    send_reject(stream, RejectReason::malformed, deadline);
    return Error{Errc::unsupported_version, "auth handshake version is not 1"};
  }
  const std::span<const std::byte> h(hello);
  NodeKey client_key;
  std::copy_n(h.begin() + 1, 32, client_key.begin());
  const auto client_nonce = h.subspan(33, nonce_size);
  const std::optional<std::size_t> index = find_key(trusted, client_key);
  if (!index) {
    send_reject(stream, RejectReason::unknown_key, deadline);
    return Error{Errc::permission_denied, "the client's key is not trusted"};
  }
  const Nonce server_nonce = fresh_nonce();
  const NodeSignature server_sig =
      self.sign(auth_transcript(true, client_key, client_nonce, self.public_key(), server_nonce));
  std::vector<std::byte> challenge(challenge_size);
  std::memcpy(challenge.data(), self.public_key().data(), 32);
  std::memcpy(challenge.data() + 32, server_nonce.data(), nonce_size);
  std::memcpy(challenge.data() + 32 + nonce_size, server_sig.data(), server_sig.size());
  if (Status s = stream.send(challenge, deadline, FrameHeaderFields{0, auth_frame::challenge, 0}); !s) {
    return s.error();
  }
  std::vector<std::byte> response;
  if (Status s = expect_frame(stream, auth_frame::response, response_size, response, deadline); !s) {
    return s.error();
  }
  if (!verify(client_key, auth_transcript(false, client_key, client_nonce, self.public_key(), server_nonce),
              response)) {
    send_reject(stream, RejectReason::bad_signature, deadline);
    return Error{Errc::bad_signature, "the client's handshake signature does not verify (forged or replayed)"};
  }
  if (Status s = stream.send({}, deadline, FrameHeaderFields{0, auth_frame::welcome, 0}); !s) return s.error();
  return AuthenticatedPeer{*index, client_key};
}

}  // namespace missive::net
