#include "missive/platform/mapping.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <limits>

#include "missive/platform/system_error.hpp"

namespace missive::platform {

Result<Mapping> Mapping::map(const Fd& fd, std::size_t size, Access access, std::size_t offset) {
  if (size == 0) return Error{Errc::invalid_argument, "cannot map zero bytes"};
  if (offset % page_size() != 0) return Error{Errc::invalid_argument, "mapping offset is not page aligned"};
  if (offset > static_cast<std::size_t>(std::numeric_limits<off_t>::max())) {
    return Error{Errc::invalid_argument, "mapping offset does not fit off_t"};
  }
  const int prot = access == Access::read_write ? (PROT_READ | PROT_WRITE) : PROT_READ;
  void* base = ::mmap(nullptr, size, prot, MAP_SHARED, fd.get(), static_cast<off_t>(offset));
  if (base == MAP_FAILED) return error_from_errno(errno, "mmap of a shared segment failed");
  return Mapping(static_cast<std::byte*>(base), size, access);
}

void Mapping::reset() noexcept {
  if (base_ != nullptr) (void)::munmap(base_, size_);
  base_ = nullptr;
  size_ = 0;
}

std::size_t page_size() noexcept {
  static const std::size_t size = [] {
    const long value = ::sysconf(_SC_PAGESIZE);
    return value > 0 ? static_cast<std::size_t>(value) : std::size_t{4096};
  }();
  return size;
}

}  // namespace missive::platform
