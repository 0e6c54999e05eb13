#include "missive/service/manifest.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <toml++/toml.h>

#include "missive/service/registry_protocol.hpp"
#include "missive/service/seccomp_profile.hpp"

namespace missive::service {
namespace {

CallError invalid(std::string what) { return CallError{Errc::invalid_argument, std::move(what)}; }

bool valid_service_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                    c == '.';
    if (!ok) return false;
  }
  return true;
}

// A non-negative integer field, or the fallback when missing.
CallResult<std::uint64_t> count_field(const toml::table& table, std::string_view key, std::uint64_t fallback,
                                      std::string_view service) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return fallback;
  const std::optional<std::int64_t> value = node->value<std::int64_t>();
  if (!value || *value < 0) {
    return invalid("service '" + std::string(service) + "': " + std::string(key) + " must be a non-negative integer");
  }
  return static_cast<std::uint64_t>(*value);
}

CallResult<std::optional<std::uint64_t>> optional_count(const toml::table& table, std::string_view key,
                                                        std::string_view service) {
  if (table.get(key) == nullptr) return std::optional<std::uint64_t>{};
  CallResult<std::uint64_t> value = count_field(table, key, 0, service);
  if (!value) return value.error();
  return std::optional<std::uint64_t>{*value};
}

CallResult<std::optional<SeccompPolicy>> parse_seccomp(const toml::table& table, std::string_view service) {
  const std::string who = "service '" + std::string(service) + "': ";
  const toml::node* profile = table.get("seccomp");
  if (profile == nullptr) {
    if (table.get("seccomp_allow") != nullptr || table.get("seccomp_action") != nullptr) {
      return invalid(who + "seccomp_allow and seccomp_action need seccomp = \"default\" or \"minimal\"");
    }
    return std::optional<SeccompPolicy>{};
  }
  SeccompPolicy policy;
  policy.profile = profile->value_or(std::string{});
  if (policy.profile == "default") {
    for (const std::string_view name : default_service_syscalls()) policy.allow.emplace_back(name);
  } else if (policy.profile != "minimal") {
    return invalid(who + "seccomp must be \"default\" or \"minimal\"");
  }
  if (const toml::node* extra = table.get("seccomp_allow")) {
    const toml::array* list = extra->as_array();
    if (list == nullptr) return invalid(who + "seccomp_allow must be an array of syscall names");
    for (const toml::node& entry : *list) {
      const std::optional<std::string> name = entry.value<std::string>();
      if (!name) return invalid(who + "seccomp_allow must be an array of syscall names");
      if (!platform::is_known_syscall(*name)) {
        return invalid(who + "seccomp_allow: '" + *name + "' is not a syscall of this architecture");
      }
      policy.allow.push_back(*name);
    }
  }
  const std::string action = table["seccomp_action"].value_or(std::string("errno"));
  if (action == "kill") {
    policy.action = platform::SeccompAction::kill_process;
  } else if (action != "errno") {
    return invalid(who + "seccomp_action must be \"errno\" (EPERM) or \"kill\" (SIGSYS)");
  }
  return std::optional<SeccompPolicy>{std::move(policy)};
}

CallResult<Hardening> parse_hardening(const toml::table& table, std::string_view service) {
  Hardening h;
  if (const toml::node* node = table.get("no_new_privs")) {
    const std::optional<bool> value = node->value<bool>();
    if (!value) return invalid("service '" + std::string(service) + "': no_new_privs must be true or false");
    h.no_new_privs = *value;
  }
  auto files = optional_count(table, "max_open_files", service);
  auto memory = optional_count(table, "max_address_space_mb", service);
  auto cpu = optional_count(table, "max_cpu_seconds", service);
  auto user = optional_count(table, "user", service);
  if (!files) return files.error();
  if (!memory) return memory.error();
  if (!cpu) return cpu.error();
  if (!user) return user.error();
  h.max_open_files = *files;
  h.max_address_space_mb = *memory;
  h.max_cpu_seconds = *cpu;
  if (*user) h.user = static_cast<uid_t>(**user);
  CallResult<std::optional<SeccompPolicy>> seccomp = parse_seccomp(table, service);
  if (!seccomp) return seccomp.error();
  h.seccomp = std::move(*seccomp);
  return h;
}

CallResult<RestartPolicy> parse_restart(std::string_view text, std::string_view service) {
  if (text == "permanent") return RestartPolicy::permanent;
  if (text == "transient") return RestartPolicy::transient;
  if (text == "temporary") return RestartPolicy::temporary;
  return invalid("service '" + std::string(service) + "': restart must be permanent, transient or temporary");
}

CallResult<QueueFairness> parse_fairness(std::string_view text, std::string_view service) {
  if (text == "none") return QueueFairness::none;
  if (text == "equal_messages") return QueueFairness::equal_messages;
  if (text == "equal_bytes") return QueueFairness::equal_bytes;
  return invalid("service '" + std::string(service) + "': fairness must be none, equal_messages or equal_bytes");
}

CallResult<ServiceSpec> parse_service(const toml::table& table, std::string_view base_dir) {
  ServiceSpec spec;
  spec.name = table["name"].value_or(std::string{});
  if (!valid_service_name(spec.name)) {
    return invalid("every [[service]] needs a name of 1-64 letters, digits, '-', '_' or '.'");
  }
  spec.command = table["command"].value_or(std::string{});
  if (spec.command.empty()) return invalid("service '" + spec.name + "' has no command");
  if (spec.command.front() != '/' && !base_dir.empty()) {
    spec.command = (std::filesystem::path(base_dir) / spec.command).lexically_normal().string();
  }
  if (const toml::node* args = table.get("args")) {
    const toml::array* list = args->as_array();
    if (list == nullptr) return invalid("service '" + spec.name + "': args must be an array of strings");
    for (const toml::node& arg : *list) {
      const std::optional<std::string> text = arg.value<std::string>();
      if (!text) return invalid("service '" + spec.name + "': args must be an array of strings");
      spec.args.push_back(*text);
    }
  }
  CallResult<RestartPolicy> restart = parse_restart(table["restart"].value_or(std::string("permanent")), spec.name);
  CallResult<QueueFairness> fairness = parse_fairness(table["fairness"].value_or(std::string("none")), spec.name);
  CallResult<std::uint64_t> max_restarts = count_field(table, "max_restarts", 5, spec.name);
  CallResult<std::uint64_t> window = count_field(table, "restart_window_ms", 10000, spec.name);
  CallResult<std::uint64_t> backoff = count_field(table, "backoff_ms", 10, spec.name);
  CallResult<std::uint64_t> backoff_max = count_field(table, "backoff_max_ms", 2000, spec.name);
  CallResult<std::uint64_t> workers = count_field(table, "workers", 1, spec.name);
  if (!restart) return restart.error();
  if (!fairness) return fairness.error();
  for (const auto* field : {&max_restarts, &window, &backoff, &backoff_max, &workers}) {
    if (!*field) return field->error();
  }
  spec.restart = *restart;
  spec.fairness = *fairness;
  spec.max_restarts = static_cast<std::uint32_t>(std::min<std::uint64_t>(*max_restarts, 1'000'000));
  spec.restart_window = std::chrono::milliseconds(*window);
  if (*workers == 0 || *workers > 256) return invalid("service '" + spec.name + "': workers must be 1 to 256");
  spec.workers = static_cast<std::uint32_t>(*workers);
  spec.backoff = std::chrono::milliseconds(*backoff);
  spec.backoff_max = std::chrono::milliseconds(std::max(*backoff, *backoff_max));
  spec.scheduler = table["scheduler"].value_or(std::string("wfq"));
  if (spec.scheduler != "wfq" && spec.scheduler != "wf2q" && spec.scheduler != "drr") {
    return invalid("service '" + spec.name + "': scheduler must be wfq, wf2q or drr");
  }
  spec.transport = table["transport"].value_or(std::string("shm"));
  if (spec.transport != "shm" && spec.transport != "unix") {
    return invalid("service '" + spec.name + "': transport must be shm or unix");
  }
  if (const toml::table* hardening = table["hardening"].as_table()) {
    CallResult<Hardening> h = parse_hardening(*hardening, spec.name);
    if (!h) return h.error();
    spec.hardening = *h;
  }
  return spec;
}

}  // namespace

const ServiceSpec* Manifest::find(std::string_view service_name) const noexcept {
  for (const ServiceSpec& s : services) {
    if (s.name == service_name) return &s;
  }
  return nullptr;
}

CallResult<Manifest> parse_manifest(std::string_view text, std::string_view base_dir) {
  toml::table root;
  try {
    root = toml::parse(text);
  } catch (const toml::parse_error& e) {
    std::ostringstream what;
    what << "manifest is not valid TOML: " << e.description() << " (line " << e.source().begin.line << ")";
    return invalid(what.str());
  }
  Manifest manifest;
  manifest.host_address = root["host"]["address"].value_or(std::string(default_host_address));
  const toml::node* services = root.get("service");
  if (services == nullptr) return invalid("manifest has no [[service]] entries");
  const toml::array* list = services->as_array();
  if (list == nullptr) return invalid("'service' must be an array of tables ([[service]])");
  for (const toml::node& node : *list) {
    const toml::table* table = node.as_table();
    if (table == nullptr) return invalid("'service' must be an array of tables ([[service]])");
    CallResult<ServiceSpec> spec = parse_service(*table, base_dir);
    if (!spec) return spec.error();
    if (manifest.find(spec->name) != nullptr) return invalid("service '" + spec->name + "' appears twice");
    manifest.services.push_back(std::move(*spec));
  }
  return manifest;
}

CallResult<Manifest> load_manifest(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return CallError{Errc::not_found, "cannot read manifest " + path};
  std::ostringstream text;
  text << in.rdbuf();
  const std::string base = std::filesystem::absolute(std::filesystem::path(path)).parent_path().string();
  return parse_manifest(text.str(), base);
}

std::string_view name(RestartPolicy policy) noexcept {
  switch (policy) {
    case RestartPolicy::permanent: return "permanent";
    case RestartPolicy::transient: return "transient";
    case RestartPolicy::temporary: return "temporary";
  }
  return "unknown";
}

std::string_view name(QueueFairness fairness) noexcept {
  switch (fairness) {
    case QueueFairness::none: return "none";
    case QueueFairness::equal_messages: return "equal_messages";
    case QueueFairness::equal_bytes: return "equal_bytes";
  }
  return "unknown";
}

}  // namespace missive::service
