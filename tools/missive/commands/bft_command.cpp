// `missive bft`: Byzantine broadcast tools (docs/bft.md).
//
//   missive bft keygen --out node.key         a new Ed25519 key: the seed (hex) in a 0600 file,
//                                             the public key (hex) on stdout
//   missive bft simulate [--mode signed_echo|bracha] [--seed S] [--count N] [--json]
//                                             N seeded adversarial scenarios, properties checked
//   missive bft node --config cluster.toml --id I [--messages M --window W --report F --done F --expect N]
//                                             one member as its own process over authenticated TCP
//                                             (tcp_node.hpp); runs until SIGTERM/SIGINT
//   missive bft bench --n 4 --f 1 --byzantine 1 --behaviour NAME [--batch K] [--messages M]
//                     [--mode echo|bracha] [--window W] [--json]
//                                             n `bft node` processes on 127.0.0.1 (free ports), the
//                                             last `byzantine` ones misbehaving; 256-byte messages;
//                                             throughput, latency and the agreement check
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "commands/commands.hpp"
#include "missive/bft/cluster_file.hpp"
#include "missive/bft/crypto.hpp"
#include "missive/bft/sim/scenario.hpp"
#include "missive/bft/tcp_node.hpp"
#include "missive/net/tcp_stream.hpp"
#include "missive/platform/process.hpp"
#include "missive/platform/signals.hpp"
#include "missive/platform/spawn.hpp"

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


// ------------------------------------------------------------------ node

// A workload message: send time (steady clock, ns) | sender | index | filler.
constexpr std::size_t stamp_bytes = 20;

std::uint64_t now_ns() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

bft::Bytes workload_message(std::size_t size, bft::NodeId sender, std::uint64_t index) {
  bft::Bytes m(std::max(size, stamp_bytes));
  const std::uint64_t t = now_ns();
  std::memcpy(m.data(), &t, 8);
  std::memcpy(m.data() + 8, &sender, 4);
  std::memcpy(m.data() + 12, &index, 8);
  for (std::size_t i = stamp_bytes; i < m.size(); ++i) m[i] = static_cast<std::byte>((index * 31 + i) & 0xFF);
  return m;
}

struct NodeOptions {
  std::string config;
  std::uint32_t id = 0;
  std::uint64_t messages = 0;  // to broadcast, in batches of the file's `batch`
  std::uint32_t window = 4;    // own broadcasts in flight
  std::size_t message_bytes = 256;
  std::string report;          // JSON summary here at exit
  std::string done;            // touched once `expect` messages from correct senders were delivered
  std::uint64_t expect = 0;
  double max_seconds = 300;    // bound on the run even without a signal
  bool quiet = false;
};

int run_node(const NodeOptions& o) {
  if (Status s = platform::block_termination_signals(); !s) {
    fmt::print(stderr, "missive bft node: {}\n", s.error().message());
    return 1;
  }
  auto file = bft::ClusterFile::load(o.config);
  if (!file) {
    fmt::print(stderr, "missive bft node: {}: {}\n", o.config, file.error().message());
    return 1;
  }
  auto config = file->cluster_config();
  if (!config) {
    fmt::print(stderr, "missive bft node: {}\n", config.error().message());
    return 1;
  }
  if (o.id >= file->members.size()) {
    fmt::print(stderr, "missive bft node: --id {} is not a member (n = {})\n", o.id, file->members.size());
    return 1;
  }
  const bft::MemberEntry& me = file->members[o.id];
  auto seed = bft::read_seed_file(me.key_file);
  if (!seed) {
    fmt::print(stderr, "missive bft node: key file {}: {}\n", me.key_file, seed.error().message());
    return 1;
  }
  bft::TcpNodeSetup setup{*config, o.id, *seed, {}, file->mode, me.behaviour, me.votes};
  for (const bft::MemberEntry& m : file->members) setup.addresses.push_back(m.address);
  std::set<bft::NodeId> byzantine;
  for (bft::NodeId i = 0; i < file->members.size(); ++i) {
    if (file->members[i].behaviour) byzantine.insert(i);
  }
  auto node = bft::TcpNode::start(std::move(setup));
  if (!node) {
    fmt::print(stderr, "missive bft node {}: {}\n", o.id, node.error().message());
    return 1;
  }
  if (!o.quiet) {
    fmt::print("node {} listening on {} ({}, n = {}, f = {}{})\n", o.id, me.address,
               file->mode == bft::Mode::bracha ? "bracha" : "echo", file->members.size(), file->f,
               me.behaviour ? fmt::format(", Byzantine: {}", bft::sim::name(*me.behaviour)) : "");
    std::fflush(stdout);
  }

  const std::uint64_t start_ns = now_ns();
  const auto until = std::chrono::steady_clock::now() +
                     std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                         std::chrono::duration<double>(o.max_seconds));
  std::uint64_t sent = 0;
  std::uint64_t in_flight = 0;
  std::uint64_t turns = 0;
  std::uint64_t last_delivery_ns = 0;
  std::uint64_t delivered_correct = 0;
  bool done_written = false;
  bool restarted = false;
  std::vector<bft::Delivery> deliveries;
  std::vector<std::uint32_t> latencies_us;
  nlohmann::json instances = nlohmann::json::array();
  auto next_signal_check = std::chrono::steady_clock::now();
  const std::uint32_t batch = file->batch;
  const bool is_byzantine = me.behaviour.has_value();

  for (;;) {
    // A Byzantine sender's own instances may never be delivered: it paces itself by time.
    while (sent < o.messages && in_flight < o.window) {
      std::vector<bft::Bytes> b;
      const std::uint64_t k = std::min<std::uint64_t>(batch, o.messages - sent);
      for (std::uint64_t i = 0; i < k; ++i) b.push_back(workload_message(o.message_bytes, o.id, sent + i));
      if (Status s = (*node)->broadcast(std::move(b)); !s) {
        fmt::print(stderr, "missive bft node {}: broadcast: {}\n", o.id, s.error().message());
        return 1;
      }
      sent += k;
      ++turns;
      if (!is_byzantine) ++in_flight;
      if (is_byzantine) break;
    }
    if (is_byzantine && !restarted && me.behaviour == bft::sim::Behaviour::amnesiac && sent * 2 >= o.messages &&
        o.messages > 0) {
      (*node)->restart_participant();
      restarted = true;
    }
    deliveries.clear();
    (*node)->poll(Deadline::after(is_byzantine ? std::chrono::milliseconds(2) : std::chrono::milliseconds(5)),
                  deliveries);
    const std::uint64_t t = now_ns();
    for (const bft::Delivery& d : deliveries) {
      last_delivery_ns = t;
      if (d.instance.sender == o.id && in_flight > 0) --in_flight;
      instances.push_back({d.instance.sender, d.instance.sequence, bft::to_hex(d.digest)});
      if (!o.quiet && o.report.empty()) {
        fmt::print("delivered ({}, {}) root {} messages {}\n", d.instance.sender, d.instance.sequence,
                   bft::to_hex(d.digest).substr(0, 16), d.batch.size());
      }
      if (byzantine.contains(d.instance.sender)) continue;
      for (const bft::Bytes& m : d.batch) {
        if (m.size() < stamp_bytes) continue;
        std::uint64_t sent_at = 0;
        std::memcpy(&sent_at, m.data(), 8);
        if (sent_at <= t) latencies_us.push_back(static_cast<std::uint32_t>(std::min<std::uint64_t>((t - sent_at) / 1000, UINT32_MAX)));
        ++delivered_correct;
      }
    }
    if (!done_written && !o.done.empty() && o.expect > 0 && delivered_correct >= o.expect) {
      std::ofstream(o.done) << delivered_correct << '\n';
      done_written = true;
    }
    if (std::chrono::steady_clock::now() >= next_signal_check) {
      next_signal_check = std::chrono::steady_clock::now() + std::chrono::milliseconds(10);
      if (platform::wait_termination_signal(Deadline::now_or_never())) break;
      if (std::chrono::steady_clock::now() >= until) break;
    }
  }
  const bft::TcpNodeStats st = (*node)->stats();
  if (!o.report.empty()) {
    const nlohmann::json report = {
        {"id", o.id},
        {"byzantine", is_byzantine},
        {"start_ns", start_ns},
        {"last_delivery_ns", last_delivery_ns},
        {"sent_messages", sent},
        {"turns", turns},
        {"delivered_msgs_correct", delivered_correct},
        {"instances", instances},
        {"latencies_us", latencies_us},
        {"stats",
         {{"received", st.received},
          {"refused", st.refused},
          {"sent", st.sent},
          {"backpressure_refusals", st.backpressure_refusals},
          {"auth_failures", st.auth_failures},
          {"link_connects", st.link_connects}}}};
    std::ofstream out(o.report + ".tmp");
    out << report.dump();
    out.close();
    std::filesystem::rename(o.report + ".tmp", o.report);
  }
  return 0;
}

// ------------------------------------------------------------------ bench

struct BenchOptions {
  std::uint32_t n = 4;
  std::uint32_t f = 1;
  std::uint32_t byzantine = 1;
  std::string behaviour = "silent";
  std::string mode = "echo";
  std::uint32_t batch = 1;
  std::uint64_t messages = 2000;  // per correct node
  std::uint32_t window = 4;
  double timeout_s = 60;
  bool json = false;
  // Network namespaces (tests/bft netns test): node i runs under `ip netns exec netns[i]`
  // and listens on hosts[i]:17100+i; no port probing (fresh namespaces have every port free).
  std::vector<std::string> netns;
  std::vector<std::string> hosts;
};

std::string self_exe() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("missive") : p.string();
}

double percentile(std::vector<std::uint32_t>& v, double q) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return static_cast<double>(v[k]);
}

int run_bench(const BenchOptions& o) {
  auto fail = [](const std::string& why) {
    fmt::print(stderr, "missive bft bench: {}\n", why);
    return 2;
  };
  if (o.byzantine > o.f) return fail("--byzantine must be at most --f");
  if (o.n < 3 * o.f + 1) return fail("n >= 3f+1 is required");
  const auto behaviour = bft::behaviour_from_name(o.behaviour);
  if (o.byzantine > 0 && !behaviour) return fail("unknown --behaviour " + o.behaviour);
  char tmpl[] = "/tmp/missive-bft-bench-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) return fail("cannot make a temporary directory");
  const std::filesystem::path dir(tmpl);
  struct Cleanup {
    std::filesystem::path dir;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } cleanup{dir};

  // Keys and free ports (each bound to port 0 to learn a free one, all held until every port is known).
  bft::ClusterFile file;
  file.f = o.f;
  file.mode = o.mode == "bracha" ? bft::Mode::bracha : bft::Mode::signed_echo;
  file.batch = o.batch;
  if (!o.hosts.empty() && (o.hosts.size() != o.n || o.netns.size() != o.n)) {
    return fail("--hosts and --netns need one entry per member");
  }
  {
    std::vector<net::TcpListener> holders;
    for (std::uint32_t i = 0; i < o.n; ++i) {
      std::string address;
      if (o.hosts.empty()) {
        auto l = net::TcpListener::listen("tcp://127.0.0.1:0");
        if (!l) return fail("no free port: " + l.error().message());
        address = l->address();
        holders.push_back(std::move(*l));
      } else {
        address = fmt::format("tcp://{}:{}", o.hosts[i], 17100 + i);
      }
      auto keys = bft::KeyPair::generate();
      if (!keys) return fail(keys.error().message());
      bft::MemberEntry m;
      m.address = address;
      m.public_key = keys->public_key();
      m.key_file = (dir / fmt::format("node{}.key", i)).string();
      std::ofstream(m.key_file) << bft::to_hex(keys->seed()) << '\n';
      std::filesystem::permissions(m.key_file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
      if (i >= o.n - o.byzantine) m.behaviour = behaviour;
      file.members.push_back(std::move(m));
    }
  }
  const std::string config_path = (dir / "cluster.toml").string();
  std::ofstream(config_path) << file.to_toml();
  const std::uint32_t correct = o.n - o.byzantine;
  const std::uint64_t expect = o.messages * correct;

  std::vector<platform::Child> children;
  const auto stop_all = [&](int sig) {
    for (auto& c : children) (void)platform::send_signal(c.pidfd, sig);
  };
  const std::string exe = self_exe();
  for (std::uint32_t i = 0; i < o.n; ++i) {
    platform::SpawnSpec spec;
    if (!o.netns.empty()) spec.argv = {"/usr/sbin/ip", "netns", "exec", o.netns[i]};
    const std::vector<std::string> node_argv = {exe, "bft", "node", "--config", config_path, "--id", std::to_string(i), "--quiet",
                 "--messages", std::to_string(o.messages), "--window", std::to_string(o.window),
                 "--report", (dir / fmt::format("report{}.json", i)).string(),
                 "--done", (dir / fmt::format("done{}", i)).string(), "--expect", std::to_string(expect),
                 "--max-seconds", fmt::format("{}", o.timeout_s + 10)};
    spec.argv.insert(spec.argv.end(), node_argv.begin(), node_argv.end());
    auto child = platform::spawn(spec);
    if (!child) {
      stop_all(SIGKILL);
      for (auto& c : children) (void)platform::wait_child(c.pidfd, Deadline::after(std::chrono::seconds(5)));
      return fail("spawn: " + child.error().message());
    }
    children.push_back(std::move(*child));
  }

  // Wait (bounded) until every correct node delivered everything, or a node died.
  const auto t0 = std::chrono::steady_clock::now();
  const auto limit = t0 + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                              std::chrono::duration<double>(o.timeout_s));
  bool all_done = false;
  std::string early_exit;
  while (std::chrono::steady_clock::now() < limit) {
    all_done = true;
    for (std::uint32_t i = 0; i < correct; ++i) {
      if (!std::filesystem::exists(dir / fmt::format("done{}", i))) all_done = false;
    }
    for (std::uint32_t i = 0; i < o.n; ++i) {
      auto exited = platform::process_exited(children[i].pidfd);
      if (exited && *exited) early_exit = fmt::format("node {} exited early", i);
    }
    if (all_done || !early_exit.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  stop_all(SIGTERM);
  for (std::uint32_t i = 0; i < o.n; ++i) {
    auto st = platform::wait_child(children[i].pidfd, Deadline::after(std::chrono::seconds(10)));
    if (!st) {
      (void)platform::send_signal(children[i].pidfd, SIGKILL);
      (void)platform::wait_child(children[i].pidfd, Deadline::after(std::chrono::seconds(5)));
      if (early_exit.empty()) early_exit = fmt::format("node {} did not stop on SIGTERM", i);
    } else if (!st->exited_normally() || st->code != 0) {
      if (early_exit.empty()) early_exit = fmt::format("node {} failed (exit {}, signal {})", i, st->code, st->signal);
    }
  }

  // Reports of the correct nodes: agreement, completeness, latency, throughput.
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::set<std::string>> roots;
  std::vector<std::uint32_t> latencies;
  std::uint64_t min_delivered = UINT64_MAX;
  std::uint64_t first_start = UINT64_MAX;
  std::uint64_t last_delivery = 0;
  nlohmann::json node_stats = nlohmann::json::array();
  bool reports_ok = true;
  for (std::uint32_t i = 0; i < o.n; ++i) {
    std::ifstream in(dir / fmt::format("report{}.json", i));
    nlohmann::json r = nlohmann::json::parse(in, nullptr, false);
    if (r.is_discarded()) {
      reports_ok = false;
      continue;
    }
    node_stats.push_back({{"id", i}, {"byzantine", r["byzantine"]}, {"stats", r["stats"]}});
    if (i >= correct) continue;
    for (const auto& inst : r["instances"]) {
      roots[{inst[0].get<std::uint64_t>(), inst[1].get<std::uint64_t>()}].insert(inst[2].get<std::string>());
    }
    for (const auto& l : r["latencies_us"]) latencies.push_back(l.get<std::uint32_t>());
    min_delivered = std::min(min_delivered, r["delivered_msgs_correct"].get<std::uint64_t>());
    first_start = std::min(first_start, r["start_ns"].get<std::uint64_t>());
    last_delivery = std::max(last_delivery, r["last_delivery_ns"].get<std::uint64_t>());
  }
  std::uint64_t violations = 0;
  for (const auto& [instance, set] : roots) {
    if (set.size() > 1) ++violations;
  }
  if (min_delivered == UINT64_MAX) min_delivered = 0;
  const double seconds = last_delivery > first_start ? static_cast<double>(last_delivery - first_start) / 1e9 : 0;
  const bool all_delivered = reports_ok && min_delivered >= expect;
  std::string loadavg;
  std::getline(std::ifstream("/proc/loadavg"), loadavg);
  const nlohmann::json out = {
      {"n", o.n}, {"f", o.f}, {"byzantine", o.byzantine}, {"behaviour", o.byzantine ? o.behaviour : "none"},
      {"mode", o.mode}, {"batch", o.batch}, {"message_bytes", 256}, {"window", o.window},
      {"messages_per_correct_node", o.messages},
      {"delivered_msgs_per_s", seconds > 0 ? static_cast<double>(min_delivered) / seconds : 0.0},
      {"p50_ms", percentile(latencies, 0.50) / 1000.0},
      {"p99_ms", percentile(latencies, 0.99) / 1000.0},
      {"max_ms", latencies.empty() ? 0.0 : *std::max_element(latencies.begin(), latencies.end()) / 1000.0},
      {"safety_violations", violations},
      {"all_correct_delivered", all_delivered},
      {"expected_msgs_per_correct_node", expect},
      {"min_delivered_msgs", min_delivered},
      {"elapsed_s", seconds},
      {"error", early_exit.empty() ? (all_done ? "" : "timed out before every correct node delivered everything")
                                   : early_exit},
      {"loadavg", loadavg},
      {"nodes", node_stats}};
  if (o.json) {
    fmt::print("{}\n", out.dump(2));
  } else {
    fmt::print("n={} f={} byzantine={} ({}) mode={} batch={}: {:.0f} msgs/s, p50 {:.3f} ms, p99 {:.3f} ms, "
               "safety violations {}, all correct delivered: {}\n",
               o.n, o.f, o.byzantine, o.behaviour, o.mode, o.batch, out["delivered_msgs_per_s"].get<double>(),
               out["p50_ms"].get<double>(), out["p99_ms"].get<double>(), violations, all_delivered ? "yes" : "no");
    if (!early_exit.empty()) fmt::print("error: {}\n", early_exit);
  }
  return violations == 0 && all_delivered && early_exit.empty() ? 0 : 1;
}

}  // namespace

void add_bft_command(CLI::App& app, int& exit_code) {
  auto* bft_cmd = app.add_subcommand("bft", "Byzantine reliable broadcast: keys, simulations, TCP nodes and benches");
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

  auto node = std::make_shared<NodeOptions>();
  auto* node_cmd = bft_cmd->add_subcommand("node", "Run one cluster member over TCP until SIGTERM");
  node_cmd->add_option("--config", node->config, "cluster.toml")->required();
  node_cmd->add_option("--id", node->id, "This member's id (its index in the file)")->required();
  node_cmd->add_option("--messages", node->messages, "Workload: messages to broadcast (256 B stamped)");
  node_cmd->add_option("--window", node->window, "Workload: own broadcasts in flight");
  node_cmd->add_option("--message-bytes", node->message_bytes, "Workload: message size");
  node_cmd->add_option("--report", node->report, "Write a JSON report here at exit");
  node_cmd->add_option("--done", node->done, "Create this file once --expect messages were delivered");
  node_cmd->add_option("--expect", node->expect, "Messages from correct senders to deliver");
  node_cmd->add_option("--max-seconds", node->max_seconds, "Stop after this long even without a signal");
  node_cmd->add_flag("--quiet", node->quiet, "Print nothing but errors");
  node_cmd->callback([node, &exit_code] { exit_code = run_node(*node); });

  auto bench = std::make_shared<BenchOptions>();
  auto* bench_cmd = bft_cmd->add_subcommand("bench", "n `bft node` processes on loopback: throughput, latency, agreement");
  bench_cmd->add_option("--n", bench->n, "Members");
  bench_cmd->add_option("--f", bench->f, "Tolerated Byzantine members");
  bench_cmd->add_option("--byzantine", bench->byzantine, "Byzantine members (the last ids), at most f");
  bench_cmd->add_option("--behaviour", bench->behaviour, "Their behaviour (the simulator's names)");
  bench_cmd->add_option("--mode", bench->mode, "echo or bracha")->check(CLI::IsMember({"echo", "bracha"}));
  bench_cmd->add_option("--batch", bench->batch, "Messages per broadcast (Merkle batch)");
  bench_cmd->add_option("--messages", bench->messages, "Messages each correct member broadcasts");
  bench_cmd->add_option("--window", bench->window, "Broadcasts each member keeps in flight");
  bench_cmd->add_option("--timeout", bench->timeout_s, "Seconds before giving up");
  bench_cmd->add_flag("--json", bench->json, "Print JSON");
  bench_cmd->add_option("--netns", bench->netns, "Network namespace of each node (tests)")->delimiter(',')->group("");
  bench_cmd->add_option("--hosts", bench->hosts, "Listen address of each node, with --netns")->delimiter(',')->group("");
  bench_cmd->callback([bench, &exit_code] { exit_code = run_bench(*bench); });
}

}  // namespace missive::cli
