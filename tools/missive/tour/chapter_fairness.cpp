// Tour chapter: fair queuing. One server, two clients that keep it saturated,
// one sending 64 B messages and one sending 64 KiB messages, scheduled once
// for equal message rates and once for equal byte rates.
#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "missive/sched/fair_queue.hpp"
#include "missive/sched/jain.hpp"
#include "progress.hpp"
#include "tour/tour.hpp"

namespace missive::cli {
namespace {

constexpr std::size_t small_size = 64;
constexpr std::size_t large_size = std::size_t{64} * 1024;

struct ModeResult {
  double msgs_per_s[2] = {0, 0};   // [small client, large client]
  double bytes_per_s[2] = {0, 0};
  double jain_msgs = 0;
  double jain_bytes = 0;
  double decisions_per_s = 0;
};

// The server loop: take the next message the scheduler picks, serve it by
// copying its payload (service time grows with size), and let its client send
// another one. Each client keeps two large messages' worth of bytes queued, so
// neither ever runs dry.
Result<ModeResult> serve(sched::FairnessMode mode, double total_bytes) {
  sched::FairQueueOptions options;
  options.algorithm = sched::Algorithm::wfq;
  options.mode = mode;
  auto created = sched::FairQueue<int>::create(options);
  if (!created) return created.error();
  auto& q = *created;
  std::vector<char> source(large_size, 'm');
  std::vector<char> sink(large_size);
  const std::size_t sizes[2] = {small_size, large_size};
  double queued[2] = {0, 0};
  auto top_up = [&](int client) -> Status {
    while (queued[client] < 2.0 * large_size) {
      const auto size = sizes[client];
      if (Status s = q.enqueue(static_cast<sched::FlowId>(client), int{client}, size); !s) return s;
      queued[client] += static_cast<double>(size);
    }
    return ok();
  };
  for (int client = 0; client < 2; ++client) {
    if (Status s = top_up(client); !s) return s.error();
  }

  std::vector<double> messages(2, 0.0);
  std::vector<double> bytes(2, 0.0);
  double served = 0;
  const auto start = Clock::now();
  while (served < total_bytes) {
    auto m = q.dequeue();
    if (!m) return m.error();
    std::memcpy(sink.data(), source.data(), m->bytes);
    const int client = m->item;
    messages[static_cast<std::size_t>(client)] += 1;
    bytes[static_cast<std::size_t>(client)] += static_cast<double>(m->bytes);
    queued[client] -= static_cast<double>(m->bytes);
    served += static_cast<double>(m->bytes);
    if (Status s = top_up(client); !s) return s.error();
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  volatile char keep = sink[0];  // the copies are the work; keep them
  (void)keep;

  ModeResult r;
  std::vector<double> msg_rates;
  std::vector<double> byte_rates;
  for (std::size_t c = 0; c < 2; ++c) {
    r.msgs_per_s[c] = messages[c] / seconds;
    r.bytes_per_s[c] = bytes[c] / seconds;
    msg_rates.push_back(r.msgs_per_s[c]);
    byte_rates.push_back(r.bytes_per_s[c]);
  }
  r.jain_msgs = sched::jain_index(msg_rates);
  r.jain_bytes = sched::jain_index(byte_rates);
  r.decisions_per_s = (messages[0] + messages[1]) / seconds;
  return r;
}

std::string rate(double per_second) {
  if (per_second >= 1e6) return fmt::format("{:.2f} M", per_second / 1e6);
  if (per_second >= 1e3) return fmt::format("{:.1f} k", per_second / 1e3);
  return fmt::format("{:.0f}", per_second);
}

std::string byte_rate(double per_second) {
  if (per_second >= 1e9) return fmt::format("{:.2f} GB", per_second / 1e9);
  if (per_second >= 1e6) return fmt::format("{:.1f} MB", per_second / 1e6);
  if (per_second >= 1e3) return fmt::format("{:.1f} kB", per_second / 1e3);
  return fmt::format("{:.0f} B", per_second);
}

}  // namespace

int tour_fairness(const TourOptions& options) {
  // --quick is the CI smoke run (also under sanitizers): a small run. The
  // fairness figures are exact either way; the rates just get noisier.
  const double total_bytes = (options.quick ? 32.0 : 1024.0) * 1024 * 1024;
  Progress progress("fairness", 2);
  progress.step("equal_messages: weights follow each client's mean message size");
  const auto messages_mode = serve(sched::FairnessMode::equal_messages, total_bytes);
  progress.step("equal_bytes: equal weights");
  const auto bytes_mode = serve(sched::FairnessMode::equal_bytes, total_bytes);
  progress.done();
  if (!messages_mode || !bytes_mode) {
    const Error e = !messages_mode ? messages_mode.error() : bytes_mode.error();
    fmt::print("  the fair queue failed: {}\n", e.message());
    return 1;
  }
  const ModeResult& m = *messages_mode;
  const ModeResult& b = *bytes_mode;

  fmt::print("One server thread, two clients keeping it saturated: A sends 64 B messages, B 64 KiB.\n");
  fmt::print("The server serves each message by copying it ({:.0f} MiB per mode, WFQ scheduler):\n\n",
             total_bytes / (1024 * 1024));
  fmt::print("  {:<18} {:>27}   {:>27}\n", "", "equal_messages", "equal_bytes");
  fmt::print("  {:<18} {:>13} {:>13}   {:>13} {:>13}\n", "client", "msgs/s", "bytes/s", "msgs/s", "bytes/s");
  const char* names[2] = {"A (64 B msgs)", "B (64 KiB msgs)"};
  for (int c = 0; c < 2; ++c) {
    fmt::print("  {:<18} {:>13} {:>13}   {:>13} {:>13}\n", names[c], rate(m.msgs_per_s[c]),
               byte_rate(m.bytes_per_s[c]), rate(b.msgs_per_s[c]), byte_rate(b.bytes_per_s[c]));
  }
  fmt::print("  {:<18} {:>13.4f} {:>13.4f}   {:>13.4f} {:>13.4f}\n", "Jain's index", m.jain_msgs, m.jain_bytes,
             b.jain_msgs, b.jain_bytes);
  fmt::print("  {:<18} {:>27}   {:>27}\n", "decisions/s", rate(m.decisions_per_s), rate(b.decisions_per_s));
  fmt::print("\n  equal_messages: A and B complete the same number of messages per second (A:B = {:.2f}),\n"
             "  so the client with small requests is not slowed down by the one with big ones.\n"
             "  equal_bytes: both move the same bytes per second, so A completes {:.0f}x as many messages.\n",
             m.msgs_per_s[0] / m.msgs_per_s[1], b.msgs_per_s[0] / b.msgs_per_s[1]);

  // The fairness figures are ratios of counts over one interval, so the
  // machine's speed or load does not move them: fail if either mode misses.
  const bool fair = m.jain_msgs >= 0.99 && b.jain_bytes >= 0.99;
  if (!fair) fmt::print("  !! fairness below 0.99 on the mode's own measure\n");
  return fair ? 0 : 1;
}

}  // namespace missive::cli
