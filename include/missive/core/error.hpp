// missive/core/error.hpp - error codes and the Error value every layer returns.
//
// Errors are values. An Error names a code (what went wrong, stable across
// versions, good for `switch`) and a static detail string (why, for people).
// Error is trivially copyable and never allocates, so hot paths can return it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace missive {

// Stable error codes shared by all layers. Append only; never renumber.
enum class Errc : std::uint8_t {
  ok = 0,
  // Flow control (channels, endpoints).
  would_block,     // a non-blocking call found no room / nothing to take
  timed_out,       // the deadline passed first
  closed,          // the other side closed; nothing more will come
  // Validation of untrusted bytes (wire).
  truncated,            // input ended before the structure it announced
  bad_magic,            // not a missive frame
  unsupported_version,  // a format version this build cannot read
  too_large,            // a length beyond the configured limit
  bad_checksum,         // CRC32C mismatch
  malformed_record,     // record bytes that do not parse
  too_many_fields,      // field-count limit reached
  too_deep,             // nesting-depth limit reached
  wrong_type,           // a field present with another wire type than asked
  // Generic.
  invalid_argument,  // the caller passed something unusable
  // Validation of untrusted bytes (wire), added with wire format v1.
  malformed_frame,  // a frame header that contradicts itself (header length < 32)
  trailing_bytes,   // bytes after a complete frame where exactly one was expected
  // Processes and shared memory (platform, shm).
  peer_died,          // the peer process exited; what it published before is still delivered
  refused,            // nobody listens at the address, or the peer turned us away
  permission_denied,  // the kernel or the peer's policy forbids it (EACCES, EPERM, uid check)
  address_in_use,     // another listener already holds the address
  system_error,       // a system call failed in a way the caller cannot fix (detail names it)
  corrupted,          // shared memory that contradicts itself: a hostile or broken peer
  // Services and calls (service), added with the service host.
  not_found,            // no such name, key, file or method
  service_unavailable,  // the named service is not running (or not registered) now
  service_restarted,    // the service crashed with this call in flight and was restarted
  rejected,             // the server refused the request (a duplicate id, its own policy)
  deadlock,             // the call closed a circular wait and was chosen to break it
  // Authenticated messages (bft, net).
  bad_signature,   // a signature that does not verify, or a signer that is not known
  equivocation,    // one sender, one sequence, two different contents
};

// Short, stable, snake_case name of a code ("timed_out").
[[nodiscard]] std::string_view name(Errc code) noexcept;

// An error: a code plus a static explanation. `detail` must point to storage
// that outlives the Error (string literals in practice).
struct Error {
  Errc code = Errc::ok;
  const char* detail = "";

  // "timed_out: deadline passed before a receiver arrived"
  [[nodiscard]] std::string message() const;

  friend bool operator==(const Error& a, const Error& b) noexcept { return a.code == b.code; }
  friend bool operator==(const Error& a, Errc b) noexcept { return a.code == b; }
};

}  // namespace missive
