// `missive bft`: Byzantine broadcast tools (docs/bft.md).
//
//   missive bft keygen --out node.key         a new Ed25519 key: the seed (hex) in a 0600 file,
//                                             the public key (hex) on stdout
//   missive bft simulate [--mode signed_echo|bracha] [--seed S] [--count N] [--json]
//                                             N seeded adversarial scenarios, properties checked
//
// `node` and `bench` follow with the TCP transport.
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "commands/commands.hpp"
#include "missive/bft/crypto.hpp"
#include "missive/bft/sim/scenario.hpp"

namespace missive::cli {
namespace {

template <std::size_t N>
std::string hex(const std::array<std::byte, N>& bytes) {
  std::string out;
  for (std::byte b : bytes) out += fmt::format("{:02x}", std::to_integer<unsigned>(b));
  return out;
}

int keygen(const std::string& path) {
  if (std::filesystem::exists(path)) {
    fmt::print(stderr, "missive bft keygen: {} exists; refusing to overwrite a key\n", path);
    return 1;
  }
  Result<bft::KeyPair> keys = bft::KeyPair::generate();
  if (!keys) {
    fmt::print(stderr, "missive bft keygen: {}\n", keys.error().message());
    return 1;
  }
  {
    std::ofstream file(path);
    std::filesystem::permissions(path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    file << hex(keys->seed()) << '\n';
    if (!file) {
      fmt::print(stderr, "missive bft keygen: cannot write {}\n", path);
      return 1;
    }
  }
  fmt::print("{}\n", hex(keys->public_key()));
  return 0;
}

struct SimulateOptions {
  std::string mode = "signed_echo";
  std::uint64_t seed = 1;
  std::uint64_t count = 100;
  bool json = false;
};

int simulate(const SimulateOptions& options) {
  const bft::Mode mode = options.mode == "bracha" ? bft::Mode::bracha : bft::Mode::signed_echo;
  std::uint64_t failed = 0;
  std::uint64_t deliveries = 0;
  nlohmann::json failures = nlohmann::json::array();
  for (std::uint64_t seed = options.seed; seed < options.seed + options.count; ++seed) {
    const bft::sim::ScenarioSpec spec = bft::sim::random_scenario(seed, mode);
    const bft::sim::Outcome outcome = bft::sim::run_scenario(spec);
    deliveries += outcome.deliveries;
    if (outcome.violations.empty()) continue;
    ++failed;
    failures.push_back({{"scenario", bft::sim::describe(spec)}, {"violations", outcome.violations}});
    if (!options.json) {
      fmt::print("FAIL {}\n", bft::sim::describe(spec));
      for (const std::string& v : outcome.violations) fmt::print("  {}\n", v);
    }
  }
  if (options.json) {
    const nlohmann::json summary = {{"mode", options.mode},      {"first_seed", options.seed},
                                    {"scenarios", options.count}, {"deliveries", deliveries},
                                    {"safety_or_liveness_violations", failed}, {"failures", failures}};
    fmt::print("{}\n", summary.dump(2));
  } else {
    fmt::print("{} scenarios ({}, seeds {}..{}): {} deliveries, {} with violations\n", options.count, options.mode,
               options.seed, options.seed + options.count - 1, deliveries, failed);
  }
  return failed == 0 ? 0 : 1;
}

}  // namespace

void add_bft_command(CLI::App& app, int& exit_code) {
  auto* bft_cmd = app.add_subcommand("bft", "Byzantine reliable broadcast: keys and seeded simulations");
  bft_cmd->require_subcommand(1);

  auto key_path = std::make_shared<std::string>();
  auto* keygen_cmd = bft_cmd->add_subcommand("keygen", "Make an Ed25519 key: seed to a 0600 file, public key to stdout");
  keygen_cmd->add_option("--out", *key_path, "File for the secret seed (hex); never overwritten")->required();
  keygen_cmd->callback([key_path, &exit_code] { exit_code = keygen(*key_path); });

  auto options = std::make_shared<SimulateOptions>();
  auto* simulate_cmd = bft_cmd->add_subcommand("simulate", "Run seeded adversarial scenarios and check the properties");
  simulate_cmd->add_option("--mode", options->mode, "signed_echo or bracha")
      ->check(CLI::IsMember({"signed_echo", "bracha"}));
  simulate_cmd->add_option("--seed", options->seed, "First seed");
  simulate_cmd->add_option("--count", options->count, "Number of scenarios");
  simulate_cmd->add_flag("--json", options->json, "Print a JSON summary");
  simulate_cmd->callback([options, &exit_code] { exit_code = simulate(*options); });
}

}  // namespace missive::cli
