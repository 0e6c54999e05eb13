// missive/platform/memfd.hpp - anonymous shared-memory files (memfd) and seals.
//
// missive never names shared memory in /dev/shm: a memfd lives exactly as long
// as some process holds a descriptor or a mapping of it, so a `kill -9` leaves
// nothing behind. A memfd is handed to a peer with send_fds (SCM_RIGHTS).
//
// Seals are the kernel's guarantees about a memfd that even the creator
// cannot take back. A peer that maps a memfd it did not create must check
// that it is sealed against shrinking: otherwise the creator could truncate it
// and every access past the new end would raise SIGBUS in the peer.
#pragma once

#include <cstddef>

#include "missive/core/result.hpp"
#include "missive/platform/fd.hpp"

namespace missive::platform {

// Seal bits, the values of F_SEAL_* in <fcntl.h> (checked in memfd.cpp).
namespace seal {
inline constexpr unsigned seal = 0x0001;          // no further seals may be added
inline constexpr unsigned shrink = 0x0002;        // the size may not shrink
inline constexpr unsigned grow = 0x0004;          // the size may not grow
inline constexpr unsigned write = 0x0008;         // no writes at all (needs no writable mapping)
inline constexpr unsigned future_write = 0x0010;  // no NEW writable mappings or write(2);
                                                  // mappings made before the seal stay writable
}  // namespace seal

// A memfd of exactly `size` bytes (zero-filled), MFD_CLOEXEC | MFD_ALLOW_SEALING,
// sealed with seal::shrink | seal::grow. `debug_name` shows in /proc/<pid>/fd
// as "memfd:<name>" and has no other meaning. Setup path.
[[nodiscard]] Result<Fd> create_memfd(const char* debug_name, std::size_t size);

// Adds `seals` (seal:: bits) to a memfd created with sealing allowed.
[[nodiscard]] Status add_seals(const Fd& memfd, unsigned seals);

// The seals currently on `fd`; invalid_argument when `fd` is not a sealable
// shared-memory file (so this doubles as "is this a memfd?").
[[nodiscard]] Result<unsigned> get_seals(const Fd& fd);

// The size of the regular file behind `fd` (fstat); invalid_argument when it
// is not a regular file.
[[nodiscard]] Result<std::size_t> file_size(const Fd& fd);

}  // namespace missive::platform
