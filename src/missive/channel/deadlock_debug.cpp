// deadlock_debug.cpp - the registry behind deadlock_debug.hpp: one mutex, three maps.
#include "missive/channel/deadlock_debug.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

namespace missive::deadlock_debug {
namespace {

using ThreadId = std::thread::id;

struct ThreadState {
  std::string name;  // set by ThreadRegistration
  bool registered = false;
  // The current park, if any: the channels it may be woken through (one, or
  // a select()'s cases), and how to tell it was woken.
  std::vector<const void*> blocked_on;
  Direction direction = Direction::send;
  bool parked = false;
  detail::WakeProbe probe;
  bool with_deadline = false;
};

// The threads that can wake a thread parked on one channel.
struct Roles {
  std::set<ThreadId> senders;
  std::set<ThreadId> receivers;
};

struct Registry {
  std::mutex mu;
  std::map<ThreadId, ThreadState> threads;    // guarded by mu
  std::map<const void*, Roles> roles;         // guarded by mu
  std::map<const void*, std::string> labels;  // guarded by mu
};

// Never destroyed: threads may still park while static destructors run.
Registry& registry() {
  static Registry* const instance = new Registry;
  return *instance;
}

std::string thread_name(ThreadId id, const ThreadState& state) {
  if (!state.name.empty()) return state.name;
  std::ostringstream out;
  out << "thread " << id;
  return out.str();
}

std::string channel_name(const Registry& reg, const void* channel) {
  const auto label = reg.labels.find(channel);
  if (label != reg.labels.end()) return label->second;
  char address[32];
  std::snprintf(address, sizeof address, "%p", channel);
  return address;
}

void add_role(const void* channel, Direction direction, ThreadId who) {
  Roles& roles = registry().roles[channel];
  (direction == Direction::send ? roles.senders : roles.receivers).insert(who);
}

// Under reg.mu (the parked thread erases its record under it before the
// probed Waiter or word goes away). Not yet woken: the Waiter is unsignaled,
// or the word still holds the value the thread parked on. Acquire, as the
// wakers' stores are releases (or stronger); a stale read only delays a
// finding to the next check, or reports a thread that was woken an instant
// ago, which the caller's retry (Watchdog, polling) resolves.
bool still_parked(const ThreadState& state) {
  if (!state.parked) return false;
  if (state.probe.waiter != nullptr) return !state.probe.waiter->is_signaled();
  return state.probe.word->load(std::memory_order_acquire) == state.probe.parked_value;
}

// Under reg.mu. Threads parked and not yet woken.
std::map<ThreadId, const ThreadState*> parked_threads(const Registry& reg) {
  std::map<ThreadId, const ThreadState*> parked;
  for (const auto& [id, state] : reg.threads) {
    if (still_parked(state)) parked.emplace(id, &state);
  }
  return parked;
}

// Under reg.mu. Who could wake a thread parked as `state`: the other role of
// any of its channels (an OR-wait: one waker of one channel is enough).
std::set<ThreadId> wakers_of(const Registry& reg, const ThreadState& state) {
  std::set<ThreadId> wakers;
  for (const void* channel : state.blocked_on) {
    const auto roles = reg.roles.find(channel);
    if (roles == reg.roles.end()) continue;
    const auto& other = state.direction == Direction::send ? roles->second.receivers : roles->second.senders;
    wakers.insert(other.begin(), other.end());
  }
  return wakers;
}

BlockedThread describe(const Registry& reg, ThreadId id, const ThreadState& state) {
  BlockedThread out{thread_name(id, state), {}, state.direction, state.with_deadline, {}};
  for (const void* channel : state.blocked_on) {
    out.channels.push_back(channel_name(reg, channel));
    out.channel += (out.channel.empty() ? "" : " | ") + out.channels.back();
  }
  return out;
}

// Under reg.mu. The largest set of parked threads whose every possible waker is
// in the set (the greatest fixed point: start from all parked threads with known
// wakers, drop any with a waker outside, repeat).
using WakerMap = std::map<ThreadId, std::set<ThreadId>>;

std::set<ThreadId> stuck_threads(const WakerMap& wakers) {
  std::set<ThreadId> stuck;
  for (const auto& [id, who] : wakers) {
    if (!who.empty()) stuck.insert(id);
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (auto it = stuck.begin(); it != stuck.end();) {
      bool has_free_waker = false;
      for (ThreadId waker : wakers.at(*it)) has_free_waker |= !stuck.contains(waker);
      if (has_free_waker) {
        it = stuck.erase(it);
        changed = true;
      } else {
        ++it;
      }
    }
  }
  return stuck;
}

// Under reg.mu. A cycle inside a non-empty stuck set: every member has a waker
// in the set, so following the first one must come back to a thread seen before.
DeadlockFinding cycle_in(const Registry& reg, const std::map<ThreadId, const ThreadState*>& parked,
                         const WakerMap& wakers, const std::set<ThreadId>& stuck) {
  std::vector<ThreadId> walk;
  ThreadId at = *stuck.begin();
  while (std::find(walk.begin(), walk.end(), at) == walk.end()) {
    walk.push_back(at);
    at = *wakers.at(at).begin();  // any waker is in `stuck`
  }
  DeadlockFinding finding{DeadlockFinding::Kind::cycle, {}};
  for (auto it = std::find(walk.begin(), walk.end(), at); it != walk.end(); ++it) {
    finding.threads.push_back(describe(reg, *it, *parked.at(*it)));
  }
  return finding;
}

std::string describe_wait(const BlockedThread& t) {
  std::string out = t.thread;
  out += t.direction == Direction::send ? " (sending on " : " (receiving on ";
  if (t.channels.size() > 1) out += "any of ";
  out += t.channel;
  if (t.with_deadline) out += ", until its deadline";
  out += ")";
  return out;
}

}  // namespace

ThreadRegistration::ThreadRegistration(std::string name) {
  Registry& reg = registry();
  std::lock_guard lock(reg.mu);
  ThreadState& state = reg.threads[std::this_thread::get_id()];
  state.name = std::move(name);
  state.registered = true;
}

ThreadRegistration::~ThreadRegistration() {
  Registry& reg = registry();
  const ThreadId me = std::this_thread::get_id();
  std::lock_guard lock(reg.mu);
  reg.threads.erase(me);
  for (auto& [channel, roles] : reg.roles) {
    roles.senders.erase(me);
    roles.receivers.erase(me);
  }
}

void declare_receiver(const void* channel) {
  std::lock_guard lock(registry().mu);
  add_role(channel, Direction::receive, std::this_thread::get_id());
}

void declare_sender(const void* channel) {
  std::lock_guard lock(registry().mu);
  add_role(channel, Direction::send, std::this_thread::get_id());
}

void label_channel(const void* channel, std::string name) {
  std::lock_guard lock(registry().mu);
  registry().labels[channel] = std::move(name);
}

void forget_channel(const void* channel) {
  std::lock_guard lock(registry().mu);
  registry().labels.erase(channel);
  registry().roles.erase(channel);
}

std::string DeadlockFinding::text() const {
  std::string out = "deadlock: ";
  if (kind == Kind::all_blocked) {
    out += "all " + std::to_string(threads.size()) + " registered threads blocked: ";
    for (std::size_t i = 0; i < threads.size(); ++i) out += (i == 0 ? "" : ", ") + describe_wait(threads[i]);
    return out;
  }
  for (const BlockedThread& t : threads) out += describe_wait(t) + " -> ";
  if (!threads.empty()) out += threads.front().thread;
  return out;
}

std::optional<DeadlockFinding> check() {
  Registry& reg = registry();
  std::lock_guard lock(reg.mu);
  const auto parked = parked_threads(reg);
  WakerMap wakers;
  for (const auto& [id, state] : parked) wakers.emplace(id, wakers_of(reg, *state));
  const auto stuck = stuck_threads(wakers);
  if (!stuck.empty()) return cycle_in(reg, parked, wakers, stuck);

  DeadlockFinding all{DeadlockFinding::Kind::all_blocked, {}};
  for (const auto& [id, state] : reg.threads) {
    if (!state.registered) continue;
    if (!parked.contains(id)) return std::nullopt;  // a registered thread can still act
    all.threads.push_back(describe(reg, id, state));
  }
  if (all.threads.empty()) return std::nullopt;
  return all;
}

Watchdog::Watchdog(std::chrono::milliseconds period, std::function<void(const DeadlockFinding&)> on_finding)
    : thread_([this, period, fn = std::move(on_finding)] { run(period, fn); }) {}

Watchdog::~Watchdog() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void Watchdog::run(std::chrono::milliseconds period, const std::function<void(const DeadlockFinding&)>& on_finding) {
  std::string last_reported;  // report each distinct finding once
  std::unique_lock lock(mu_);
  while (!wake_.wait_for(lock, period, [this] { return stopping_; })) {
    lock.unlock();
    if (const auto finding = check()) {
      std::string text = finding->text();
      if (text != last_reported) {
        on_finding(*finding);
        last_reported = std::move(text);
      }
    } else {
      last_reported.clear();
    }
    lock.lock();
  }
}

namespace detail {

bool record_block(const void* const* channels, std::size_t count, Direction direction, WakeProbe probe,
                  bool with_deadline) noexcept {
  try {
    Registry& reg = registry();
    const ThreadId me = std::this_thread::get_id();
    std::lock_guard lock(reg.mu);
    ThreadState& state = reg.threads[me];
    state.blocked_on.assign(channels, channels + count);
    state.direction = direction;
    state.parked = true;
    state.probe = probe;
    state.with_deadline = with_deadline;
    // A thread parked sending on C is a sender of C (receiving: a receiver of each case).
    for (std::size_t i = 0; i < count; ++i) add_role(channels[i], direction, me);
    return true;
  } catch (...) {  // out of memory: debugging is best effort, the channel call goes on
    return false;
  }
}

void erase_block() noexcept {
  Registry& reg = registry();
  std::lock_guard lock(reg.mu);
  const auto found = reg.threads.find(std::this_thread::get_id());
  if (found == reg.threads.end()) return;
  if (!found->second.registered) {
    reg.threads.erase(found);
    return;
  }
  found->second.blocked_on.clear();
  found->second.parked = false;
  found->second.probe = WakeProbe{};
}

}  // namespace detail
}  // namespace missive::deadlock_debug
