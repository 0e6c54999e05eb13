#include "missive/platform/memfd.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <limits>

#include "missive/platform/system_error.hpp"

namespace missive::platform {
namespace {

#ifdef MFD_NOEXEC_SEAL
constexpr unsigned memfd_noexec_seal = MFD_NOEXEC_SEAL;
#else
constexpr unsigned memfd_noexec_seal = 0x0008U;  // <linux/memfd.h> of Linux 6.3
#endif

}  // namespace

static_assert(seal::seal == F_SEAL_SEAL && seal::shrink == F_SEAL_SHRINK && seal::grow == F_SEAL_GROW &&
              seal::write == F_SEAL_WRITE && seal::future_write == F_SEAL_FUTURE_WRITE);

Result<Fd> create_memfd(const char* debug_name, std::size_t size) {
  if (size > static_cast<std::size_t>(std::numeric_limits<off_t>::max())) {
    return Error{Errc::invalid_argument, "memfd size does not fit off_t"};
  }
  // MFD_NOEXEC_SEAL (Linux 6.3) says the memory is never executed; hosts with
  // vm.memfd_noexec=2 refuse memfds without it. Older kernels reject the flag.
  Fd fd(::memfd_create(debug_name, MFD_CLOEXEC | MFD_ALLOW_SEALING | memfd_noexec_seal));
  if (!fd && errno == EINVAL) fd.reset(::memfd_create(debug_name, MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!fd) return error_from_errno(errno, "memfd_create failed");
  int rc = 0;
  do {
    rc = ::ftruncate(fd.get(), static_cast<off_t>(size));
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) return error_from_errno(errno, "ftruncate of a new memfd failed");
  if (Status s = add_seals(fd, seal::shrink | seal::grow); !s) return s.error();
  return fd;
}

Status add_seals(const Fd& memfd, unsigned seals) {
  if (::fcntl(memfd.get(), F_ADD_SEALS, static_cast<int>(seals)) != 0) {
    return error_from_errno(errno, "fcntl(F_ADD_SEALS) failed");
  }
  return ok();
}

Result<unsigned> get_seals(const Fd& fd) {
  const int seals = ::fcntl(fd.get(), F_GET_SEALS);
  if (seals < 0) {
    if (errno == EINVAL) return Error{Errc::invalid_argument, "descriptor is not a sealable memfd"};
    return error_from_errno(errno, "fcntl(F_GET_SEALS) failed");
  }
  return static_cast<unsigned>(seals);
}

Result<std::size_t> file_size(const Fd& fd) {
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return error_from_errno(errno, "fstat failed");
  if (!S_ISREG(st.st_mode)) return Error{Errc::invalid_argument, "descriptor is not a regular file"};
  if (st.st_size < 0) return Error{Errc::invalid_argument, "file reports a negative size"};
  return static_cast<std::size_t>(st.st_size);
}

}  // namespace missive::platform
