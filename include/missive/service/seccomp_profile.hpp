// missive/service/seccomp_profile.hpp - the syscalls a missive service needs.
//
// The manifest's `seccomp = "default"` allows exactly this list (plus
// platform::base_syscalls()). It was gathered by tracing echod, fsd and kvd
// (release and sanitizer builds) under the host through start-up, calls over
// shm and unix sockets, notifications, crashes and shutdown, and is grouped by
// what needs it. A service that needs more names them in `seccomp_allow`.
#pragma once

#include <span>
#include <string_view>

namespace missive::service {

[[nodiscard]] std::span<const std::string_view> default_service_syscalls() noexcept;

}  // namespace missive::service
