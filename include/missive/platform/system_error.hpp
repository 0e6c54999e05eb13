// missive/platform/system_error.hpp - errno values as missive errors.
//
// Every platform call that fails reports an Error whose code is the closest
// stable Errc for the errno (EACCES -> permission_denied, ECONNREFUSED ->
// refused, ...) and whose detail names the call that failed, as a string
// literal ("memfd_create failed"). Codes a caller cannot act on collapse into
// Errc::system_error.
#pragma once

#include "missive/core/error.hpp"

namespace missive::platform {

// Maps `err` (an errno value) to an Error carrying `detail` (a string literal).
[[nodiscard]] Error error_from_errno(int err, const char* detail) noexcept;

}  // namespace missive::platform
