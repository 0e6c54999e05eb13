#include "missive/core/error.hpp"

namespace missive {

std::string_view name(Errc code) noexcept {
  switch (code) {
    case Errc::ok: return "ok";
    case Errc::would_block: return "would_block";
    case Errc::timed_out: return "timed_out";
    case Errc::closed: return "closed";
    case Errc::truncated: return "truncated";
    case Errc::bad_magic: return "bad_magic";
    case Errc::unsupported_version: return "unsupported_version";
    case Errc::too_large: return "too_large";
    case Errc::bad_checksum: return "bad_checksum";
    case Errc::malformed_record: return "malformed_record";
    case Errc::too_many_fields: return "too_many_fields";
    case Errc::too_deep: return "too_deep";
    case Errc::wrong_type: return "wrong_type";
    case Errc::invalid_argument: return "invalid_argument";
    case Errc::malformed_frame: return "malformed_frame";
    case Errc::trailing_bytes: return "trailing_bytes";
    case Errc::peer_died: return "peer_died";
    case Errc::refused: return "refused";
    case Errc::permission_denied: return "permission_denied";
    case Errc::address_in_use: return "address_in_use";
    case Errc::system_error: return "system_error";
    case Errc::corrupted: return "corrupted";
    case Errc::not_found: return "not_found";
    case Errc::service_unavailable: return "service_unavailable";
    case Errc::service_restarted: return "service_restarted";
    case Errc::rejected: return "rejected";
    case Errc::deadlock: return "deadlock";
    case Errc::bad_signature: return "bad_signature";
    case Errc::equivocation: return "equivocation";
  }
  return "unknown_error";
}

std::string Error::message() const {
  std::string text(name(code));
  if (detail != nullptr && *detail != '\0') {
    text += ": ";
    text += detail;
  }
  return text;
}

}  // namespace missive
