#include "missive/costmodel/profile.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <new>
#include <nlohmann/json.hpp>

#include "missive/costmodel/model.hpp"
#include "missive/costmodel/path_choice.hpp"

namespace missive::costmodel {
namespace {

using Json = nlohmann::json;

constexpr std::string_view format_name = "missive-profile";
constexpr std::int64_t format_version = 1;
constexpr double max_crossover = 1099511627776.0;  // 2^40 bytes: any larger is not a measurement

Error malformed(const char* detail) noexcept { return Error{Errc::malformed_record, detail}; }

// One parameter: a name, where it goes, and the range a measurement can have.
struct Field {
  const char* name;
  double Parameters::*member;
  double min;  // exclusive when strict
  double max;
  bool strict;
  bool optional = false;  // missing = 0
};

// Bandwidths must be positive (they divide); fixed costs may be zero (a fit
// through the origin), never negative. Upper bounds: one second, 10 TB/s.
constexpr Field fields[] = {
    {"sigma_ns", &Parameters::sigma_ns, 0, 1e9, false},
    {"syscall_ns", &Parameters::syscall_ns, 0, 1e9, false},
    {"wakeup_ns", &Parameters::wakeup_ns, 0, 1e9, false},
    {"bk_gbps", &Parameters::bk_gbps, 0, 1e4, true},
    {"bcc_gbps", &Parameters::bcc_gbps, 0, 1e4, true},
    {"share_fixed_ns", &Parameters::share_fixed_ns, 0, 1e9, false},
    {"inline_fixed_ns", &Parameters::inline_fixed_ns, 0, 1e9, false},
    {"inline_gbps", &Parameters::inline_gbps, 0, 1e4, true},
    // Knees (0 = none) and the bandwidths above them (0 when there is no knee).
    {"kernel_knee_bytes", &Parameters::kernel_knee_bytes, 0, max_crossover, false, true},
    {"bk_above_gbps", &Parameters::bk_above_gbps, 0, 1e4, false, true},
    {"inline_knee_bytes", &Parameters::inline_knee_bytes, 0, max_crossover, false, true},
    {"inline_above_gbps", &Parameters::inline_above_gbps, 0, 1e4, false, true},
    {"share_knee_bytes", &Parameters::share_knee_bytes, 0, max_crossover, false, true},
    {"bcc_above_gbps", &Parameters::bcc_above_gbps, 0, 1e4, false, true},
};

bool in_range(const Field& f, double v) noexcept {
  if (!std::isfinite(v) || v > f.max) return false;
  return f.strict ? v > f.min : v >= f.min;
}

Result<Parameters> parse_parameters(const Json& j) {
  if (!j.is_object()) return malformed("profile: \"parameters\" must be an object");
  Parameters p;
  for (const Field& f : fields) {
    auto it = j.find(f.name);
    if (it == j.end()) {
      if (f.optional) continue;
      return malformed("profile: a parameter is missing (sigma_ns, bk_gbps, bcc_gbps, ...)");
    }
    if (!it->is_number()) return malformed("profile: a parameter is not a number");
    const double v = it->get<double>();
    if (!in_range(f, v)) return malformed("profile: a parameter is out of range (negative, zero bandwidth, or absurd)");
    p.*f.member = v;
  }
  // A knee needs a bandwidth above it.
  const bool knee_without_slope = (p.kernel_knee_bytes > 0 && !(p.bk_above_gbps > 0)) ||
                                  (p.inline_knee_bytes > 0 && !(p.inline_above_gbps > 0)) ||
                                  (p.share_knee_bytes > 0 && !(p.bcc_above_gbps > 0));
  if (knee_without_slope) return malformed("profile: a knee without a bandwidth above it");
  return p;
}

// A crossover size in bytes: a number in [0, 2^40], or null / -1 for none.
Result<double> parse_size(const Json& j, const char* key, bool required) {
  auto it = j.find(key);
  if (it == j.end()) {
    if (required) return malformed("profile: \"crossover_bytes\" is missing");
    return -1.0;
  }
  if (it->is_null()) return -1.0;
  if (!it->is_number()) return malformed("profile: a crossover is neither a number nor null");
  const double v = it->get<double>();
  if (v == -1.0) return -1.0;
  if (!std::isfinite(v) || v < 0 || v > max_crossover) return malformed("profile: a crossover is out of range");
  return v;
}

Json size_json(double v) { return v < 0 ? Json(nullptr) : Json(v); }

}  // namespace

Profile default_profile() {
  Profile p;
  p.parameters = reference_parameters();
  const Crossover x = inline_share_crossover(p.parameters);
  const double from = x.share_from();
  p.model_crossover_bytes = std::isfinite(from) ? from : -1;
  p.measured_crossover_bytes = -1;
  p.crossover_bytes = std::isfinite(from) ? static_cast<std::size_t>(std::ceil(from)) : never_share;
  p.calibrated = false;
  return p;
}

Result<std::string> profile_path() {
  if (const char* explicit_path = std::getenv("MISSIVE_PROFILE"); explicit_path != nullptr && *explicit_path != '\0') {
    return std::string(explicit_path);
  }
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg != nullptr && *xdg == '/') {
    return std::string(xdg) + "/missive/profile.json";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home == '/') {
    return std::string(home) + "/.config/missive/profile.json";
  }
  return Error{Errc::invalid_argument, "profile: set MISSIVE_PROFILE, XDG_CONFIG_HOME or HOME"};
}

Result<Profile> parse_profile(std::string_view text) {
  if (text.size() > max_profile_bytes) return Error{Errc::too_large, "profile: larger than 64 KiB"};
  try {
    const Json j = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return malformed("profile: not valid JSON (truncated or damaged file?)");
    if (!j.is_object()) return malformed("profile: the top level must be a JSON object");
    auto format = j.find("format");
    if (format == j.end() || !format->is_string() || format->get_ref<const std::string&>() != format_name) {
      return malformed("profile: \"format\" is not \"missive-profile\"");
    }
    auto version = j.find("version");
    if (version == j.end() || !version->is_number_integer())
      return malformed("profile: \"version\" must be an integer");
    if (version->get<std::int64_t>() != format_version) {
      return Error{Errc::unsupported_version, "profile: written by another version of missive (run missive calibrate)"};
    }
    auto params = j.find("parameters");
    if (params == j.end()) return malformed("profile: \"parameters\" is missing");
    auto parameters = parse_parameters(*params);
    if (!parameters) return parameters.error();
    auto model = parse_size(j, "model_crossover_bytes", false);
    if (!model) return model.error();
    auto measured = parse_size(j, "measured_crossover_bytes", false);
    if (!measured) return measured.error();
    auto used = parse_size(j, "crossover_bytes", true);
    if (!used) return used.error();

    Profile p;
    p.parameters = *parameters;
    p.model_crossover_bytes = *model;
    p.measured_crossover_bytes = *measured;
    p.crossover_bytes = *used < 0 ? never_share : static_cast<std::size_t>(std::ceil(*used));
    if (auto host = j.find("host"); host != j.end() && host->is_string()) p.host = host->get<std::string>();
    if (auto created = j.find("created_unix"); created != j.end() && created->is_number_integer()) {
      p.created_unix = created->get<std::int64_t>();
    }
    if (auto cpus = j.find("cpus"); cpus != j.end() && cpus->is_number_integer()) {
      const auto n = cpus->get<std::int64_t>();
      if (n >= 0 && n <= 1 << 20) p.cpus = static_cast<int>(n);
    }
    p.calibrated = true;
    return p;
  } catch (const std::bad_alloc&) {
    return Error{Errc::too_large, "profile: out of memory while parsing"};
  } catch (const std::exception&) {
    return malformed("profile: a value has an unexpected type");
  }
}

std::string to_json(const Profile& profile) {
  Json params = Json::object();
  for (const Field& f : fields) params[f.name] = profile.parameters.*f.member;
  Json j = Json::object();
  j["format"] = format_name;
  j["version"] = format_version;
  j["host"] = profile.host;
  j["created_unix"] = profile.created_unix;
  j["cpus"] = profile.cpus;
  j["parameters"] = std::move(params);
  j["model_crossover_bytes"] = size_json(profile.model_crossover_bytes);
  j["measured_crossover_bytes"] = size_json(profile.measured_crossover_bytes);
  j["crossover_bytes"] = profile.crossover_bytes == never_share
                             ? Json(nullptr)
                             : Json(static_cast<std::uint64_t>(profile.crossover_bytes));
  return j.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

Result<Profile> load_profile(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return Error{Errc::not_found, "profile: no file (run missive calibrate)"};
    return Error{Errc::system_error, "profile: cannot stat the file"};
  }
  if (!S_ISREG(st.st_mode)) return Error{Errc::invalid_argument, "profile: not a regular file"};
  if (static_cast<std::uint64_t>(st.st_size) > max_profile_bytes)
    return Error{Errc::too_large, "profile: larger than 64 KiB"};
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{Errc::system_error, "profile: cannot open the file for reading"};
  std::string text;
  text.resize(max_profile_bytes + 1);  // one more: a file that grew since stat is still caught
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (in.bad()) return Error{Errc::system_error, "profile: read failed"};
  return parse_profile(text);
}

Status store_profile(const Profile& profile, const std::string& path) {
  if (path.empty()) return Error{Errc::invalid_argument, "profile: empty path"};
  // Create missing parent directories (one level at a time).
  for (std::size_t slash = path.find('/', 1); slash != std::string::npos; slash = path.find('/', slash + 1)) {
    const std::string dir = path.substr(0, slash);
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
      return Error{Errc::system_error, "profile: cannot create the directory"};
    }
  }
  const std::string temporary = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) return Error{Errc::system_error, "profile: cannot write the file (permissions?)"};
    out << to_json(profile);
    out.flush();
    if (!out) {
      std::remove(temporary.c_str());
      return Error{Errc::system_error, "profile: write failed (disk full?)"};
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    return Error{Errc::system_error, "profile: cannot rename the file into place"};
  }
  return ok();
}

const ActiveProfile& active_profile() {
  static const ActiveProfile active = [] {
    ActiveProfile a{default_profile(), "built-in defaults", {}};
    auto path = profile_path();
    if (!path) return a;
    auto loaded = load_profile(*path);
    if (loaded) {
      a.profile = std::move(*loaded);
      a.source = *path;
    } else if (loaded.code() != Errc::not_found) {
      a.problem = *path + ": " + std::string(loaded.error().message());
    }
    return a;
  }();
  return active;
}

}  // namespace missive::costmodel
