// Tour chapter: Byzantine reliable broadcast. Four simulated members, one of
// them an equivocating sender (two batches for one instance, to two groups,
// short certificates padded with its own signature), over lossy links. The
// timeline is printed as it happens; at the end every correct member holds
// the same instances with the same roots, and the equivocator's second
// version was delivered nowhere. Then the same cluster for real: four
// `missive bft node` processes over authenticated TCP on loopback, one of
// them equivocating, run by `missive bft bench`.
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <string>

#include <fmt/core.h>

#include "missive/bft/sim/scenario.hpp"
#include "tour/tour.hpp"

namespace missive::cli {
namespace {

namespace sim = bft::sim;

std::string short_root(const bft::Digest& root) {
  return fmt::format("{:02x}{:02x}{:02x}{:02x}", std::to_integer<unsigned>(root[0]), std::to_integer<unsigned>(root[1]),
                     std::to_integer<unsigned>(root[2]), std::to_integer<unsigned>(root[3]));
}

std::string instance_label(const bft::InstanceId& i) { return fmt::format("{}#{}", i.sender, i.sequence); }

sim::ScenarioSpec four_members_one_equivocating(bft::Mode mode) {
  sim::ScenarioSpec spec;
  spec.seed = 2026;
  spec.mode = mode;
  spec.n = 4;
  spec.f = 1;
  spec.byzantine[3] = sim::Behaviour::equivocating_sender;
  spec.faults.drop = 0.05;
  spec.faults.duplicate = 0.02;
  spec.broadcasts_per_node = 2;
  spec.batch_size = 3;
  spec.message_bytes = 64;
  spec.heal_at_us = 60'000;
  spec.end_us = 400'000;
  return spec;
}

struct Ledger {
  std::map<bft::NodeId, std::map<bft::InstanceId, bft::Digest>> delivered;
  std::map<std::string, int> refusals;
};

void print_event(const sim::TraceEvent& e, Ledger& ledger) {
  const double ms = static_cast<double>(e.time_us) / 1000.0;
  switch (e.kind) {
    case sim::TraceEvent::Kind::broadcast:
      fmt::print("  {:7.3f} ms  node {} broadcasts {} ({} messages, root {})\n", ms, e.node, instance_label(e.instance),
                 e.messages, short_root(e.root));
      break;
    case sim::TraceEvent::Kind::byzantine_turn:
      fmt::print("  {:7.3f} ms  node {} (Byzantine) sends two different batches as its next instance\n", ms, e.node);
      break;
    case sim::TraceEvent::Kind::delivery:
      ledger.delivered[e.node][e.instance] = e.root;
      fmt::print("  {:7.3f} ms      node {} delivers {} root {}\n", ms, e.node, instance_label(e.instance),
                 short_root(e.root));
      break;
    case sim::TraceEvent::Kind::refusal:
      ++ledger.refusals[std::string(name(e.refusal))];
      break;
  }
}

// True when every correct member delivered the same instances with the same roots.
bool print_agreement(const Ledger& ledger) {
  const auto& first = ledger.delivered.begin()->second;
  bool same = true;
  for (const auto& [node, instances] : ledger.delivered) same = same && instances == first;
  std::set<bft::InstanceId> byzantine;
  for (const auto& [instance, root] : first) {
    if (instance.sender == 3) byzantine.insert(instance);
  }
  fmt::print("  correct members 0, 1, 2 delivered {} instances each, {}\n", first.size(),
             same ? "the same ones with the same roots" : "NOT the same");
  for (const bft::InstanceId& i : byzantine) {
    fmt::print("  the equivocator's {}: one version (root {}) everywhere, the other nowhere\n", instance_label(i),
               short_root(first.at(i)));
  }
  return same;
}

// Runs `missive bft bench` (this program) and echoes its one-line summary.
// True when it reported agreement and every correct node delivering.
bool run_cluster_over_tcp(bool quick) {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) {
    fmt::print("  (skipped: cannot find this program to start the nodes)\n");
    return true;
  }
  const std::string command = fmt::format(
      "'{}' bft bench --n 4 --f 1 --byzantine 1 --behaviour equivocating_sender --messages {} --window 1 "
      "--timeout 40 2>&1",
      self.string(), quick ? 20 : 200);
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    fmt::print("  (skipped: cannot start the bench)\n");
    return true;
  }
  char line[1024];
  while (std::fgets(line, sizeof line, pipe) != nullptr) fmt::print("  {}", line);
  const int status = ::pclose(pipe);
  return status == 0;
}

}  // namespace

int tour_bft(const TourOptions& options) {
  fmt::print(
      "Four members tolerate one liar (n >= 3f+1). Node 3 equivocates: each of its broadcasts is two\n"
      "signed batches sent to two groups; it pads short certificates with its own signature repeated.\n"
      "Links drop 5% of messages. Signed echo broadcast, simulated time:\n");
  Ledger ledger;
  const sim::ScenarioSpec spec = four_members_one_equivocating(bft::Mode::signed_echo);
  const sim::Outcome outcome = sim::run_scenario(spec, [&](const sim::TraceEvent& e) { print_event(e, ledger); });
  const bool same = print_agreement(ledger);
  fmt::print("  refused along the way:");
  for (const auto& [code, count] : ledger.refusals) fmt::print(" {} x{}", code, count);
  fmt::print(" (certificates with a signer twice, a second batch for one instance)\n");
  for (const std::string& v : outcome.violations) fmt::print("  !! {}\n", v);

  bool bracha_clean = true;
  if (!options.quick) {
    const sim::Outcome bracha = sim::run_scenario(four_members_one_equivocating(bft::Mode::bracha));
    bracha_clean = bracha.violations.empty();
    fmt::print("  the same run with Bracha's broadcast (no signatures): {} deliveries, properties {}\n",
               bracha.deliveries, bracha_clean ? "hold" : "VIOLATED");
  }
  fmt::print(
      "\nThe same cluster for real: four `missive bft node` processes on 127.0.0.1, each link opened with a\n"
      "mutual Ed25519 handshake, node 3 equivocating; 256-byte messages, one broadcast in flight per node:\n");
  const bool tcp_clean = run_cluster_over_tcp(options.quick);
  return same && outcome.violations.empty() && bracha_clean && tcp_clean ? 0 : 1;
}

}  // namespace missive::cli
