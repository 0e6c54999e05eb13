// missive/platform/mapping.hpp - Mapping: RAII owner of a MAP_SHARED mapping of a file.
//
// Thread safety: a Mapping is a value owned by one thread at a time; the
// memory it maps may be shared with other threads and processes, which is the
// point. The bytes stay mapped until the Mapping is destroyed or reset, even if
// the descriptor it was made from is closed.
//
// A read_only Mapping is mapped PROT_READ: any store through it raises SIGSEGV
// in the storing process. That is how a receiver proves to itself that it can
// never change what its sender wrote.
#pragma once

#include <cstddef>
#include <span>
#include <utility>

#include "missive/core/result.hpp"
#include "missive/platform/fd.hpp"

namespace missive::platform {

enum class Access { read_only, read_write };

class Mapping {
 public:
  Mapping() noexcept = default;
  Mapping(Mapping&& other) noexcept
      : base_(std::exchange(other.base_, nullptr)), size_(std::exchange(other.size_, 0)), access_(other.access_) {}
  Mapping& operator=(Mapping&& other) noexcept {
    if (this != &other) {
      reset();
      base_ = std::exchange(other.base_, nullptr);
      size_ = std::exchange(other.size_, 0);
      access_ = other.access_;
    }
    return *this;
  }
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping() { reset(); }

  // Maps `size` bytes of `fd` from `offset` (a multiple of the page size),
  // MAP_SHARED, with the given access. Fails with permission_denied when the
  // descriptor or its seals forbid the access (for example read_write on a
  // memfd sealed with seal::future_write). Setup path.
  [[nodiscard]] static Result<Mapping> map(const Fd& fd, std::size_t size, Access access, std::size_t offset = 0);

  [[nodiscard]] bool valid() const noexcept { return base_ != nullptr; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] Access access() const noexcept { return access_; }

  // The mapped bytes, read-only view (any mapping).
  [[nodiscard]] std::span<const std::byte> bytes() const noexcept { return {base_, size_}; }
  // The mapped bytes, writable view; empty for a read_only mapping.
  [[nodiscard]] std::span<std::byte> writable_bytes() const noexcept {
    return access_ == Access::read_write ? std::span<std::byte>(base_, size_) : std::span<std::byte>();
  }

  // Unmaps (if mapped).
  void reset() noexcept;

 private:
  Mapping(std::byte* base, std::size_t size, Access access) noexcept : base_(base), size_(size), access_(access) {}

  std::byte* base_ = nullptr;
  std::size_t size_ = 0;
  Access access_ = Access::read_only;
};

// The system page size.
[[nodiscard]] std::size_t page_size() noexcept;

}  // namespace missive::platform
