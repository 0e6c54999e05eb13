// libFuzzer target: the tcp:// Ed25519 handshake (net/tcp_auth.hpp) fed a
// hostile peer's bytes. The first input byte picks the side under test (bit 0
// clear: the accepting server reads a hello; set: the connecting client reads
// a challenge) and the form of the rest (bit 1 clear: raw bytes, exactly what
// the peer sends; set: chunks [type 0-4][length][payload] sent as well-formed
// frames of the handshake's types, so the fuzzer reaches the payload checks
// behind the frame CRC; a type byte with bit 7 set also splices a trusted
// public key into the payload, at offset 1 (hello: v | pk_C) or, with bit 6,
// at 0 (challenge: pk_S), key index from bit 5: a fuzzer cannot guess 32
// key bytes, and a bad signature must be what stops it). Then EOF.
// Oracles: the handshake never crashes or hangs (short deadline, EOF ends
// every read), and bytes no trusted key signed never authenticate.
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "missive/net/tcp_auth.hpp"
#include "missive/platform/unix_socket.hpp"

namespace {

using namespace missive;

const net::Identity& self() {
  static const net::Identity identity = *net::Identity::from_seed(net::KeySeed{std::byte{1}});
  return identity;
}

// The peer's key is trusted, but its secret is not in the input: a forged
// transcript must still fail.
const std::array<net::NodeKey, 2>& trusted() {
  static const std::array<net::NodeKey, 2> keys{
      self().public_key(), net::Identity::from_seed(net::KeySeed{std::byte{2}})->public_key()};
  return keys;
}

bool send_raw(const platform::Fd& socket, std::span<const std::byte> bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(socket.get(), bytes.data(), bytes.size());
    if (n <= 0) return false;
    bytes = bytes.subspan(static_cast<std::size_t>(n));
  }
  return true;
}

void send_frames(const platform::Fd& socket, std::span<const std::byte> chunks) {
  auto dup = socket.duplicate();  // the stream owns its descriptor; the caller keeps `socket`
  if (!dup) return;
  net::UnixStream out = net::UnixStream::adopt(std::move(*dup), platform::SocketType::stream);
  while (chunks.size() >= 2) {
    const auto type = static_cast<std::uint32_t>(chunks[0]) % 5;
    const auto control = static_cast<unsigned>(chunks[0]);
    const std::size_t length = std::min<std::size_t>(static_cast<std::size_t>(chunks[1]), chunks.size() - 2);
    std::vector<std::byte> payload(chunks.begin() + 2, chunks.begin() + 2 + static_cast<std::ptrdiff_t>(length));
    const std::size_t at = (control & 0x40u) != 0 ? 0 : 1;
    if ((control & 0x80u) != 0 && payload.size() >= at + 32) {
      const net::NodeKey& key = trusted()[(control >> 5) & 1u];
      std::copy(key.begin(), key.end(), payload.begin() + static_cast<std::ptrdiff_t>(at));
    }
    FrameHeaderFields fields;
    fields.message_type = net::auth_frame::hello + type;
    if (!out.send(payload, Deadline::after(std::chrono::milliseconds(100)), fields)) return;
    chunks = chunks.subspan(2 + length);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {  // NOLINT(readability-identifier-naming)
  if (size == 0 || size > 64 * 1024) return 0;  // the socket buffer holds all of it
  auto sockets = platform::socket_pair(platform::SocketType::stream);
  if (!sockets) return 0;
  const std::span<const std::byte> rest(reinterpret_cast<const std::byte*>(data + 1), size - 1);
  if ((data[0] & 2) == 0) {
    if (!send_raw(sockets->second, rest)) return 0;
  } else {
    send_frames(sockets->second, rest);
  }
  ::shutdown(sockets->second.get(), SHUT_WR);  // EOF after the hostile bytes
  net::TcpStream stream = net::TcpStream::adopt(std::move(sockets->first));
  const Deadline deadline = Deadline::after(std::chrono::milliseconds(200));
  const auto result = (data[0] & 1) == 0
                          ? net::authenticate_server(stream, self(), trusted(), deadline)
                          : net::authenticate_client(stream, self(), trusted(), std::nullopt, deadline);
  if (result) std::abort();  // authenticated without anyone's secret key: a forgery passed
  return 0;
}
