// missive/transport/address.hpp - endpoint addresses: which transport, which name.
//
//   inproc://name        in this process only (a registry of named listeners)
//   shm://name           shared-memory rings between processes on this host;
//                        rendezvous at the abstract Unix socket "@missive-shm-name"
//   unix:///abs/path     framed messages over a SOCK_STREAM socket at a path
//   unix:@name           the same at an abstract socket name (vanishes with its owner)
//   tcp://HOST:PORT      framed messages over TCP (numeric host, [v6] or localhost;
//                        port 0 listens on a free port: Listener::address() names it)
//
// Parsing is pure and allocates the name.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "missive/core/result.hpp"

namespace missive::transport {

enum class Scheme : std::uint8_t { inproc, shm, unix_socket, tcp };

struct Address {
  Scheme scheme = Scheme::inproc;
  // inproc/shm: the name after "://"; unix: the socket address as
  // platform::listen_unix takes it ("/abs/path" or "@name"); tcp: the whole
  // "tcp://HOST:PORT" as net::TcpStream takes it.
  std::string name;
};

// invalid_argument (detail says which rule) for anything else.
[[nodiscard]] Result<Address> parse_address(std::string_view address);

// "inproc", "shm", "unix", "tcp".
[[nodiscard]] std::string_view scheme_name(Scheme scheme) noexcept;

}  // namespace missive::transport
