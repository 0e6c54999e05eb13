// missive/net/tcp_auth.hpp - mutual Ed25519 authentication of two nodes at connect.
//
// Both sides hold an Ed25519 key pair and a list of trusted public keys (the
// cluster's members; a key's index is the peer's id). Before any protocol
// traffic the connecting side (client) and the accepting side (server) run a
// challenge-response over four frames on the TcpStream:
//
//   client C                                              server S
//   --------                                              --------
//   hello     (type 0x4d410001): v=1 | pk_C | nonce_C  -->  pk_C trusted?   else reject(unknown_key)
//                                                      <--  challenge (0x4d410002): pk_S | nonce_S | sig_S
//   pk_S trusted (and the one expected)? sig_S valid?
//   response  (0x4d410003): sig_C                      -->  sig_C valid?    else reject(bad_signature)
//                                                      <--  welcome (0x4d410004), empty
//
//   sig_X = Ed25519_X( domain_X | pk_C | nonce_C | pk_S | nonce_S )
//   domain_S = "missive/net/auth/v1/server", domain_C = "missive/net/auth/v1/client"
//   (32 bytes each, zero-padded), nonces 32 random bytes (libsodium randombytes).
//
// Each side signs the other's fresh nonce, so a recorded transcript replayed
// on a new connection fails (the new nonce differs); the two domains keep one
// side's signature from passing as the other's (reflection). A reject frame
// (0x4d410005, one reason byte) tells an honest peer why before the close.
// Every frame has an exact size and type; anything else (garbage, a
// truncated frame, the wrong step) fails the handshake with the wire or
// malformed_frame error and the stream must be closed.
//
// Errors: permission_denied (key not trusted, or not the expected peer),
// bad_signature (signature does not verify: forged or replayed), refused
// (the server sent reject), timed_out (the handshake's deadline), closed,
// malformed_frame / wire errors (garbage).
//
// Thread safety: an Identity is immutable after creation and may be shared
// by threads; a handshake uses its stream exclusively.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "missive/core/deadline.hpp"
#include "missive/core/result.hpp"
#include "missive/net/tcp_stream.hpp"

namespace missive::net {

using NodeKey = std::array<std::byte, 32>;     // Ed25519 public key
using KeySeed = std::array<std::byte, 32>;     // Ed25519 seed
using NodeSignature = std::array<std::byte, 64>;

// Frame types of the handshake (FrameHeaderFields::message_type).
namespace auth_frame {
inline constexpr std::uint32_t hello = 0x4d410001;
inline constexpr std::uint32_t challenge = 0x4d410002;
inline constexpr std::uint32_t response = 0x4d410003;
inline constexpr std::uint32_t welcome = 0x4d410004;
inline constexpr std::uint32_t reject = 0x4d410005;
}  // namespace auth_frame

// This node's key pair. The secret half is wiped on destruction.
class Identity {
 public:
  [[nodiscard]] static Result<Identity> from_seed(const KeySeed& seed);
  Identity(const Identity&) = default;
  Identity& operator=(const Identity&) = default;
  ~Identity();

  [[nodiscard]] const NodeKey& public_key() const noexcept { return public_; }
  [[nodiscard]] NodeSignature sign(std::span<const std::byte> message) const noexcept;

 private:
  Identity() = default;
  NodeKey public_{};
  std::array<std::byte, 64> secret_{};
};

// The peer a handshake authenticated.
struct AuthenticatedPeer {
  std::size_t index = 0;  // position of its key in the trusted list
  NodeKey key{};
};

// Client side. `expected`: the index of the key the server must present
// (the member we meant to reach), or nullopt for any trusted key.
[[nodiscard]] Result<AuthenticatedPeer> authenticate_client(TcpStream& stream, const Identity& self,
                                                            std::span<const NodeKey> trusted,
                                                            std::optional<std::size_t> expected, Deadline deadline);
// Server side.
[[nodiscard]] Result<AuthenticatedPeer> authenticate_server(TcpStream& stream, const Identity& self,
                                                            std::span<const NodeKey> trusted, Deadline deadline);

// The transcript each side signs (exposed for tests that forge one).
[[nodiscard]] std::vector<std::byte> auth_transcript(bool server_side, const NodeKey& client_key,
                                                     std::span<const std::byte> client_nonce,
                                                     const NodeKey& server_key,
                                                     std::span<const std::byte> server_nonce);

}  // namespace missive::net
