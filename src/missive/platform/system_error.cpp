#include "missive/platform/system_error.hpp"

#include <cerrno>

namespace missive::platform {

Error error_from_errno(int err, const char* detail) noexcept {
  switch (err) {
    case EAGAIN:
#if EWOULDBLOCK != EAGAIN
    case EWOULDBLOCK:
#endif
      return {Errc::would_block, detail};
    case ETIMEDOUT:
      return {Errc::timed_out, detail};
    case EPIPE:
    case ECONNRESET:
    case ENOTCONN:
      return {Errc::closed, detail};
    case ECONNREFUSED:
      return {Errc::refused, detail};
    case EACCES:
    case EPERM:
      return {Errc::permission_denied, detail};
    case EADDRINUSE:
      return {Errc::address_in_use, detail};
    case EINVAL:
    case EBADF:
    case ENOTSOCK:
    case ENAMETOOLONG:
      return {Errc::invalid_argument, detail};
    case EMSGSIZE:
      return {Errc::too_large, detail};
    case ESRCH:
      return {Errc::peer_died, detail};
    default:
      return {Errc::system_error, detail};
  }
}

}  // namespace missive::platform
