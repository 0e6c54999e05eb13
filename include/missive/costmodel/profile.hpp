// missive/costmodel/profile.hpp - the calibrated profile of this machine, as a JSON file.
//
// `missive calibrate` stores it; transports read it once at start-up
// (active_profile()). Where it lives, first match wins:
//   $MISSIVE_PROFILE                                 (a file path)
//   $XDG_CONFIG_HOME/missive/profile.json
//   $HOME/.config/missive/profile.json
//
//   {"format": "missive-profile", "version": 1,
//    "host": "...", "created_unix": 1764000000, "cpus": 2,
//    "parameters": {"sigma_ns": ..., "syscall_ns": ..., "wakeup_ns": ..., "bk_gbps": ...,
//                   "bcc_gbps": ..., "share_fixed_ns": ..., "inline_fixed_ns": ..., "inline_gbps": ...},
//    "model_crossover_bytes": 4096, "measured_crossover_bytes": 5120,
//    "crossover_bytes": 5120}
//
// crossover_bytes (what shm:// uses) is an integer in [0, 2^40] or null for
// "never share". The file is untrusted input: parse_profile() checks the size
// (at most 64 KiB), every type and range, and fails with a clear error
// (Errc::malformed_record / unsupported_version / too_large) instead of
// throwing or crashing; unknown keys are ignored (newer files stay readable).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "missive/core/result.hpp"
#include "missive/costmodel/parameters.hpp"

namespace missive::costmodel {

struct Profile {
  Parameters parameters = reference_parameters();
  double model_crossover_bytes = 0;     // -1: none (copy always wins in the model)
  double measured_crossover_bytes = 0;  // -1: none measured
  std::size_t crossover_bytes = 0;      // used by transports; never_share for none
  std::string host;
  std::int64_t created_unix = 0;
  int cpus = 0;
  bool calibrated = false;  // false: the built-in defaults (no file)
};

// The built-in profile (reference_parameters(), crossover from their model).
[[nodiscard]] Profile default_profile();

// The largest profile file accepted.
inline constexpr std::size_t max_profile_bytes = 64 * 1024;

// The path by the rules above; invalid_argument when none can be formed (no
// $HOME and no other variable).
[[nodiscard]] Result<std::string> profile_path();

[[nodiscard]] Result<Profile> parse_profile(std::string_view json);
[[nodiscard]] std::string to_json(const Profile& profile);

// Reads and parses `path`. not_found when it does not exist, too_large above
// max_profile_bytes, system_error when unreadable, parse errors as above.
[[nodiscard]] Result<Profile> load_profile(const std::string& path);
// Writes atomically (a temporary file renamed over `path`), creating the
// parent directory when missing.
[[nodiscard]] Status store_profile(const Profile& profile, const std::string& path);

// What a process uses: the profile at profile_path(), or default_profile()
// when there is none or it is unusable (the reason is kept). Loaded once, on
// first use, thread-safe; later changes to the file are not seen.
struct ActiveProfile {
  Profile profile;
  std::string source;   // the file, or "built-in defaults"
  std::string problem;  // why the file was not used (empty when it was, or when none exists)
};
[[nodiscard]] const ActiveProfile& active_profile();

}  // namespace missive::costmodel
