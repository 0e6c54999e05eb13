// programs.hpp - where the tour finds the service programs (missive-kvd, ...).
#pragma once

#include <string>

namespace missive::cli {

// The absolute path of `name` next to this program (installed) or in
// build/<preset>/services/ (a build tree); empty when neither exists.
[[nodiscard]] std::string find_service_program(const std::string& name);

}  // namespace missive::cli
