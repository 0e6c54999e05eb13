// benchkit/raw_baselines.hpp - the transports missive's shared-memory rings are
// measured against, written for the measurement and nothing else: a forked echo
// child, core pinning, block timing, and raw ping-pong over one shared mapping, a
// socketpair and two pipes. Shared by bench/transport_bench and `missive
// calibrate` (benchkit/calibration.hpp). None of this is part of the library.
//
// Conventions of every ping-pong here: the parent sends `size` bytes, the
// child copies them out into its own buffer, sends them back, the parent
// copies them out. One-way latency = round trip / 2. Both processes are pinned
// to different cores when the machine has two or more.
#pragma once

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <new>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "missive/core/cpu_relax.hpp"

namespace rawbase {

using Clock = std::chrono::steady_clock;

using missive::cpu_relax;

// The CPUs this process may run on, read once (before any pinning narrows them).
inline const cpu_set_t& usable_set() noexcept {
  static const cpu_set_t usable = [] {
    cpu_set_t set;
    CPU_ZERO(&set);
    (void)::sched_getaffinity(0, sizeof set, &set);
    return set;
  }();
  return usable;
}
inline int usable_cpus() noexcept { return CPU_COUNT(&usable_set()); }

// Pins the calling process to the `index`-th usable CPU (no-op with one CPU);
// a negative index lets it run on every usable CPU again.
inline void pin_to(int index) noexcept {
  const cpu_set_t& usable = usable_set();
  if (index < 0) {
    (void)::sched_setaffinity(0, sizeof usable, &usable);
    return;
  }
  if (CPU_COUNT(&usable) < 2) return;
  int seen = 0;
  for (std::size_t cpu = 0; cpu < std::size_t{CPU_SETSIZE}; ++cpu) {
    if (!CPU_ISSET(cpu, &usable)) continue;
    if (seen++ == index % CPU_COUNT(&usable)) {
      cpu_set_t one;
      CPU_ZERO(&one);
      CPU_SET(cpu, &one);
      (void)::sched_setaffinity(0, sizeof one, &one);
      return;
    }
  }
}

// A fork()ed child running `body`; it leaves with _exit(body()) (0 =
// success). With `pin`, the parent runs on the first usable CPU and the child
// on the second; without, both may run anywhere (for libraries with their own
// I/O threads, which pinning would squeeze onto one core). The destructor
// kills and reaps a child that was not waited for, so a failed measurement
// never leaves a spinner behind.
class Forked {
 public:
  template <class Body>
  static Forked start(Body&& body, bool pin = true) {
    pin_to(pin ? 0 : -1);
    const pid_t pid = ::fork();
    if (pid == 0) {
      if (pin) pin_to(1);
      int code = 99;
      try {
        code = body();
      } catch (...) {
        code = 98;
      }
      ::_exit(code);
    }
    return Forked(pid);
  }
  Forked(Forked&& other) noexcept : pid_(std::exchange(other.pid_, -1)) {}
  Forked& operator=(Forked&&) = delete;
  ~Forked() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      (void)wait();
    }
  }
  [[nodiscard]] bool started() const noexcept { return pid_ > 0; }
  [[nodiscard]] pid_t pid() const noexcept { return pid_; }
  // Reaps the child: true when it exited with code 0. A child still running
  // after 30 s (a benchmark bug: it waits for a message that never comes) is
  // killed and counts as a failure, so the run never hangs.
  bool wait() noexcept {
    if (pid_ <= 0) return false;
    int status = 0;
    pid_t r = 0;
    const auto give_up = Clock::now() + std::chrono::seconds(30);
    for (;;) {
      r = ::waitpid(pid_, &status, WNOHANG);
      if (r != 0 && !(r < 0 && errno == EINTR)) break;
      if (Clock::now() > give_up) ::kill(pid_, SIGKILL);
      ::usleep(200);
    }
    pid_ = -1;
    const bool good = r > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!good && r > 0) {
      std::fprintf(stderr, "echo child failed: exit code %d, signal %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1,
                   WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    }
    return good;
  }

 private:
  explicit Forked(pid_t pid) noexcept : pid_(pid) {}
  pid_t pid_ = -1;
};

// Times `rounds` calls of `round_trip` in short blocks (at most 16 calls, so a
// block of fast calls lasts microseconds) and returns the median block time
// per call (ns) and the total time (s). On a shared machine a spinning peer is
// descheduled for whole time slices (milliseconds) now and then; short blocks
// keep those stalls inside a minority of blocks, which the median ignores. So
// the figure is the latency while both processes run, the one a deployment
// with dedicated cores sees. The total (stalls included) is what Google
// Benchmark records as manual time.
//
// Every block's per-call time is kept (block_ns, in timing order) so a caller
// can pool the blocks of several repetitions and take percentiles of them:
// p99 of blocks is the tail a message sees when its block was hit by a stall.
struct Timing {
  double ns_per_round = 0;  // median block, per call
  double seconds = 0;       // all `rounds` calls, stalls included
  std::uint64_t rounds = 0;
  std::vector<double> block_ns;  // per-call time of each block
  bool ok = false;
};
template <class RoundTrip>
Timing time_blocks(std::uint64_t rounds, RoundTrip&& round_trip) {
  const std::uint64_t block = std::clamp<std::uint64_t>(rounds / 50, 1, 16);
  std::vector<double> per_round;
  per_round.reserve(static_cast<std::size_t>(rounds / block + 1));
  Timing t;
  const auto start = Clock::now();
  // Exactly `rounds` calls (the echo child expects that many): the last block may be short.
  for (std::uint64_t done = 0; done < rounds;) {
    const std::uint64_t n = std::min(block, rounds - done);
    const auto b0 = Clock::now();
    for (std::uint64_t i = 0; i < n; ++i) {
      if (!round_trip()) return t;
    }
    per_round.push_back(std::chrono::duration<double, std::nano>(Clock::now() - b0).count() /
                        static_cast<double>(n));
    done += n;
  }
  t.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  t.rounds = rounds;
  t.block_ns = per_round;
  std::sort(per_round.begin(), per_round.end());
  t.ns_per_round = per_round[per_round.size() / 2];
  t.ok = true;
  return t;
}

// Warm-up round trips before timing (page faults, caches, the first wake-ups).
inline std::uint64_t warmup_rounds(std::uint64_t rounds) noexcept { return std::max<std::uint64_t>(3, rounds / 10); }

inline bool write_all(int fd, const std::byte* data, std::size_t size) noexcept {
  while (size != 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}
inline bool read_all(int fd, std::byte* data, std::size_t size) noexcept {
  while (size != 0) {
    const ssize_t n = ::read(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// ---------------------------------------------------------------------------
// Raw spin ping-pong over one shared mapping: the floor.
//
//   offset 0   +------------------------------------------+
//              | seq: atomic u64 (odd: parent wrote,       |  its own cache line
//              |      even: child wrote)                   |
//   offset 64  +------------------------------------------+
//              | payload: `size` bytes, owned by whoever   |
//              | the last seq value names                  |
//              +------------------------------------------+
//
// The writer copies the payload in, then stores seq (release: publishes the
// payload); the reader spins on seq (acquire: pairs with that store), then
// copies the payload out. Ownership alternates strictly, so one buffer serves
// both directions. No length, no validation, no parking: nothing to spare.
// ---------------------------------------------------------------------------
class SpinPage {
 public:
  static std::optional<SpinPage> create(std::size_t max_payload) {
    const std::size_t size = 64 + max_payload;
    void* base = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) return std::nullopt;
    return SpinPage(static_cast<std::byte*>(base), size);
  }
  SpinPage(SpinPage&& other) noexcept
      : base_(std::exchange(other.base_, nullptr)), size_(std::exchange(other.size_, 0)) {}
  SpinPage& operator=(SpinPage&&) = delete;
  ~SpinPage() {
    if (base_ != nullptr) ::munmap(base_, size_);
  }

  // Copies `payload` in and publishes it as `seq`.
  void send(std::uint64_t seq, std::span<const std::byte> payload) noexcept {
    std::memcpy(base_ + 64, payload.data(), payload.size());
    word().store(seq, std::memory_order_release);  // publishes the payload bytes
  }
  // Spins until `seq` is published, then copies the payload out; false after
  // ~10 s (a dead peer).
  bool recv(std::uint64_t seq, std::span<std::byte> out) noexcept {
    std::uint32_t spins = 0;
    const auto give_up = Clock::now() + std::chrono::seconds(10);
    // acquire: pairs with the release store in send(); the payload is complete.
    while (word().load(std::memory_order_acquire) != seq) {
      cpu_relax();
      if (++spins % (1U << 16) == 0 && Clock::now() > give_up) return false;
    }
    std::memcpy(out.data(), base_ + 64, out.size());
    return true;
  }

 private:
  SpinPage(std::byte* base, std::size_t size) noexcept : base_(base), size_(size) {
    new (base_) std::atomic<std::uint64_t>(0);
  }
  std::atomic<std::uint64_t>& word() noexcept { return *std::launder(reinterpret_cast<std::atomic<std::uint64_t>*>(base_)); }
  std::byte* base_;
  std::size_t size_;
};

// A recognisable payload of `size` bytes.
inline std::vector<std::byte> pattern(std::size_t size) {
  std::vector<std::byte> out(size);
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<std::byte>(i * 31 + 7);
  return out;
}

// Ping-pong over one SpinPage with a forked, pinned echo child: the floor of
// any shared-memory transport. `rounds` timed round trips after warm-up.
inline Timing spin_pingpong(std::size_t size, std::uint64_t rounds) {
  auto page = SpinPage::create(size);
  if (!page) return {};
  const std::uint64_t warm = warmup_rounds(rounds);
  Forked child = Forked::start([&]() -> int {
    std::vector<std::byte> buffer(size);
    for (std::uint64_t i = 0; i < warm + rounds; ++i) {
      if (!page->recv(2 * i + 1, buffer)) return 4;
      page->send(2 * i + 2, buffer);
    }
    return 0;
  });
  std::vector<std::byte> buffer = pattern(size);
  std::uint64_t i = 0;
  auto round_trip = [&] {
    page->send(2 * i + 1, buffer);
    const bool got = page->recv(2 * i + 2, buffer);
    ++i;
    return got;
  };
  for (std::uint64_t w = 0; w < warm; ++w) {
    if (!round_trip()) return {};
  }
  Timing t = time_blocks(rounds, round_trip);
  if (!child.wait()) t.ok = false;
  return t;
}

// A one-byte signal from a child to its parent (ready, done), over a pipe.
struct AckPipe {
  int read = -1, write = -1;
  AckPipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) == 0) {
      read = fds[0];
      write = fds[1];
    }
  }
  ~AckPipe() {
    if (read >= 0) ::close(read);
    if (write >= 0) ::close(write);
  }
  AckPipe(const AckPipe&) = delete;
  AckPipe& operator=(const AckPipe&) = delete;
  [[nodiscard]] bool signal() const noexcept {
    const std::byte b{1};
    return write_all(write, &b, 1);
  }
  [[nodiscard]] bool wait() const noexcept {
    std::byte b{};
    return read_all(read, &b, 1);
  }
};

// ---------------------------------------------------------------------------
// Byte-stream ping-pong (socketpair, pipes): `to_child` and `from_child` are
// the parent's ends; the child echoes through its own ends.
// ---------------------------------------------------------------------------
struct StreamEnds {
  int parent_write = -1, parent_read = -1, child_read = -1, child_write = -1;
  void close_all() noexcept {
    for (int* fd : {&parent_write, &parent_read, &child_read, &child_write}) {
      if (*fd >= 0) ::close(*fd);
      *fd = -1;
    }
  }
};

inline std::optional<StreamEnds> make_socketpair() noexcept {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return std::nullopt;
  const int parent = sv[0];
  const int child = sv[1];
  return StreamEnds{parent, ::dup(parent), child, ::dup(child)};
}

inline std::optional<StreamEnds> make_pipes() noexcept {
  int down[2];
  int up[2];
  if (::pipe2(down, O_CLOEXEC) != 0) return std::nullopt;
  if (::pipe2(up, O_CLOEXEC) != 0) {
    ::close(down[0]);
    ::close(down[1]);
    return std::nullopt;
  }
  return StreamEnds{down[1], up[0], down[0], up[1]};
}

// Ping-pong of `size`-byte messages over a socketpair or two pipes with a
// forked, pinned echo child: write_all, then read_all, both ways. `rounds`
// timed round trips after warmup_rounds(rounds) untimed ones.
inline Timing stream_pingpong(std::size_t size, std::uint64_t rounds, bool use_socketpair) {
  auto ends = use_socketpair ? make_socketpair() : make_pipes();
  if (!ends) return {};
  const std::uint64_t warm = warmup_rounds(rounds);
  Forked child = Forked::start([&]() -> int {
    std::vector<std::byte> buffer(size);
    for (std::uint64_t i = 0; i < warm + rounds; ++i) {
      if (!read_all(ends->child_read, buffer.data(), size)) return 4;
      if (!write_all(ends->child_write, buffer.data(), size)) return 5;
    }
    return 0;
  });
  std::vector<std::byte> buffer(size, std::byte{0x5a});
  auto round_trip = [&] {
    return write_all(ends->parent_write, buffer.data(), size) && read_all(ends->parent_read, buffer.data(), size);
  };
  Timing t;
  bool warmed = true;
  for (std::uint64_t w = 0; w < warm && warmed; ++w) warmed = round_trip();
  if (warmed) t = time_blocks(rounds, round_trip);
  ends->close_all();  // a child still reading sees EOF and exits
  if (!child.wait()) t.ok = false;
  return t;
}

}  // namespace rawbase
