#include "missive/transport/address.hpp"

#include <utility>

#include "missive/net/tcp_stream.hpp"

namespace missive::transport {
namespace {

constexpr std::string_view inproc_prefix = "inproc://";
constexpr std::string_view shm_prefix = "shm://";
constexpr std::string_view unix_path_prefix = "unix://";
constexpr std::string_view unix_abstract_prefix = "unix:@";
constexpr std::string_view tcp_prefix = "tcp://";

}  // namespace

Result<Address> parse_address(std::string_view address) {
  if (address.starts_with(inproc_prefix)) {
    const std::string_view name = address.substr(inproc_prefix.size());
    if (name.empty()) return Error{Errc::invalid_argument, "inproc:// address needs a name"};
    return Address{Scheme::inproc, std::string(name)};
  }
  if (address.starts_with(shm_prefix)) {
    const std::string_view name = address.substr(shm_prefix.size());
    if (name.empty()) return Error{Errc::invalid_argument, "shm:// address needs a name"};
    if (name.find('/') != std::string_view::npos || name.find('\0') != std::string_view::npos) {
      return Error{Errc::invalid_argument, "shm:// names may not contain '/' or NUL"};
    }
    // "@missive-shm-" + name must fit sun_path (107 bytes after the NUL).
    if (name.size() > 107 - 12) return Error{Errc::invalid_argument, "shm:// name longer than 95 bytes"};
    return Address{Scheme::shm, std::string(name)};
  }
  if (address.starts_with(unix_abstract_prefix)) {
    const std::string_view name = address.substr(unix_abstract_prefix.size());
    if (name.empty()) return Error{Errc::invalid_argument, "unix:@ address needs a name"};
    std::string socket_address(1, '@');  // built by append: g++ 12 misreports "@" + string (-Wrestrict)
    socket_address.append(name);
    return Address{Scheme::unix_socket, std::move(socket_address)};
  }
  if (address.starts_with(unix_path_prefix)) {
    const std::string_view path = address.substr(unix_path_prefix.size());
    if (path.empty() || path.front() != '/') {
      return Error{Errc::invalid_argument, "unix:// address needs an absolute path (unix:///run/x.sock)"};
    }
    return Address{Scheme::unix_socket, std::string(path)};
  }
  if (address.starts_with(tcp_prefix)) {
    auto tcp = net::TcpAddress::parse(address);
    if (!tcp) return tcp.error();
    return Address{Scheme::tcp, std::string(address)};
  }
  return Error{Errc::invalid_argument,
               "unknown address scheme (want inproc://, shm://, unix:///path, unix:@name or tcp://host:port)"};
}

std::string_view scheme_name(Scheme scheme) noexcept {
  switch (scheme) {
    case Scheme::inproc: return "inproc";
    case Scheme::shm: return "shm";
    case Scheme::unix_socket: return "unix";
    case Scheme::tcp: return "tcp";
  }
  return "unknown";
}

}  // namespace missive::transport
