// Host: a registry Server plus one supervisor thread.
//
// Thread-safety and invariants
// - mutex_ guards slots_ and next_generation_. Registry handlers (server
//   threads) and the supervisor thread take it; changed_ is notified after
//   every state change (wait_running waits on it).
// - Only the supervisor thread spawns, reaps and closes a slot's `watch`
//   pidfd; handlers only set `watch` on a slot that has none (adoption), and
//   then wake the supervisor through wake_, so the fds the supervisor polls
//   stay open while it polls them.
// - on_event runs with mutex_ held: it must not call back into the Host.
#include "missive/service/host.hpp"

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "missive/platform/event_fd.hpp"
#include "missive/platform/poll.hpp"
#include "missive/platform/process.hpp"
#include "missive/platform/spawn.hpp"
#include "missive/service/server.hpp"
#include "missive/service/wait_for_graph.hpp"

namespace missive::service {
namespace {

using namespace std::chrono_literals;

enum class State { waiting_adopt, starting, running, backoff, failed, stopped };

std::string_view state_name(State state) noexcept {
  switch (state) {
    case State::waiting_adopt: return "waiting";
    case State::starting: return "starting";
    case State::running: return "running";
    case State::backoff: return "backoff";
    case State::failed: return "failed";
    case State::stopped: return "stopped";
  }
  return "unknown";
}

struct Slot {
  ServiceSpec spec;
  State state = State::starting;
  bool our_child = false;  // spawned by this host (so it reaps it)
  platform::Fd watch;                    // the pidfd the supervisor polls
  pid_t pid = 0;
  std::string address;
  std::uint64_t generation = 0;
  Clock::time_point started{};
  std::uint64_t restarts = 0;
  std::deque<Clock::time_point> recent_restarts;
  Clock::time_point restart_at{};
  std::string last_exit;
};

std::string describe(const platform::ExitStatus& status) {
  if (status.signal == SIGSYS) {
    return "signal " + std::to_string(status.signal) + " (SIGSYS: a syscall outside its seccomp allow-list)";
  }
  if (status.signal != 0) return "signal " + std::to_string(status.signal);
  return "exit " + std::to_string(status.code);
}

Result<platform::SpawnSpec> spawn_spec(const ServiceSpec& spec, const std::string& host_address) {
  platform::SpawnSpec s;
  s.argv.push_back(spec.command);
  s.argv.insert(s.argv.end(), spec.args.begin(), spec.args.end());
  s.env = {"MISSIVE_HOST=" + host_address, "MISSIVE_SERVICE_NAME=" + spec.name,
           "MISSIVE_SERVICE_FAIRNESS=" + std::string(name(spec.fairness)),
           "MISSIVE_SERVICE_WORKERS=" + std::to_string(spec.workers), "MISSIVE_SERVICE_TRANSPORT=" + spec.transport,
           "MISSIVE_SERVICE_SCHEDULER=" + spec.scheduler};
  s.no_new_privs = spec.hardening.no_new_privs;
  s.limits.open_files = spec.hardening.max_open_files;
  if (spec.hardening.max_address_space_mb) s.limits.address_space_bytes = *spec.hardening.max_address_space_mb << 20;
  s.limits.cpu_seconds = spec.hardening.max_cpu_seconds;
  if (spec.hardening.user) {
    s.uid = *spec.hardening.user;
    s.gid = static_cast<gid_t>(*spec.hardening.user);
  }
  if (const std::optional<SeccompPolicy>& policy = spec.hardening.seccomp) {
    Result<platform::SeccompFilter> filter = platform::SeccompFilter::compile(policy->allow, policy->action);
    if (!filter) return filter.error();
    s.seccomp = std::move(*filter);
  }
  return s;
}

}  // namespace

class Host::Impl {
 public:
  explicit Impl(HostOptions options, platform::EventFd wake)
      : options_(std::move(options)), wake_(std::move(wake)), started_at_(Clock::now()) {
    for (const ServiceSpec& spec : options_.manifest.services) {
      Slot slot;
      slot.spec = spec;
      slot.state = options_.adopt_grace.count() > 0 ? State::waiting_adopt : State::starting;
      slots_.push_back(std::move(slot));
    }
  }

  ~Impl() { stop(); }

  HostOptions options_;
  std::unique_ptr<Server> server_;
  platform::EventFd wake_;
  Clock::time_point started_at_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::vector<Slot> slots_;
  std::uint64_t next_generation_ = 1;
  WaitForGraph waits_;  // its own lock; edges of calls between services
  // Counters for wait_stats(). Relaxed: statistics, they publish nothing.
  std::atomic<std::uint64_t> wait_registrations_{0};
  std::atomic<std::uint64_t> deadlocks_found_{0};
  // Set once by stop(). Relaxed: a flag for loops; joins order the teardown.
  std::atomic<bool> stopping_{false};
  std::thread supervisor_;

  void emit(HostEvent::Kind kind, const Slot& slot, std::string detail = {}) {
    if (options_.on_event) options_.on_event(HostEvent{kind, slot.spec.name, slot.pid, std::move(detail)});
  }

  Slot* find(std::string_view service) {
    for (Slot& s : slots_) {
      if (s.spec.name == service) return &s;
    }
    return nullptr;
  }

  void register_handlers() {
    server_->handle_message<RegisterRequest, RegisterReply>(
        "host.register", [this](const CallContext& ctx, const RegisterRequest& r) { return on_register(ctx, r); });
    server_->handle_message<LookupRequest, LookupReply>(
        "host.lookup", [this](const CallContext&, const LookupRequest& r) { return on_lookup(r); });
    server_->handle_message<StatusRequest, StatusReply>(
        "host.status", [this](const CallContext&, const StatusRequest&) -> CallResult<StatusReply> { return status(); });
    server_->handle_message<WaitRequest, WaitReply>(
        "host.wait", [this](const CallContext& ctx, const WaitRequest& r) { return on_wait(ctx, r); });
    server_->handle_message<UnwaitRequest, WaitReply>(
        "host.unwait", [this](const CallContext& ctx, const UnwaitRequest& r) { return on_unwait(ctx, r); });
  }

  // Only the process registered as `service` may speak for it.
  [[nodiscard]] bool speaks_for(const CallContext& ctx, const std::string& service) {
    std::lock_guard lock(mutex_);
    const Slot* slot = find(service);
    return slot != nullptr && ctx.peer.known && slot->watch && slot->pid == ctx.peer.pid;
  }

  // The closing edge's caller gets the error (docs/deadlock.md, "who gets the
  // error"): its host.wait is the one reply still open, the graph never kept
  // its edge, and the failure unwinds the whole ring whichever edge it hits.
  CallResult<WaitReply> on_wait(const CallContext& ctx, const WaitRequest& request) {
    if (!speaks_for(ctx, request.caller)) {
      return CallError{Errc::permission_denied, "wait: the caller is not the process registered as " + request.caller};
    }
    wait_registrations_.fetch_add(1, std::memory_order_relaxed);
    Result<EdgeAdmission> admitted =
        request.started_ns != 0 ? waits_.add_edge(request.caller, request.callee, request.request_id, request.started_ns)
                                : waits_.add_edge(request.caller, request.callee, request.request_id);
    if (!admitted) return admitted.error();
    if (admitted->deadlock) {
      deadlocks_found_.fetch_add(1, std::memory_order_relaxed);
      const DeadlockReport& report = *admitted->deadlock;
      const std::string cycle = report.text();
      if (options_.on_event) {
        const WaitEdge& youngest = report.edges[report.youngest];
        std::string detail = "cycle " + cycle + " broken by failing the closing call " + request.caller + "(#" +
                             std::to_string(request.request_id) + ")";
        detail += report.youngest == 0 ? " (the youngest)"
                                       : "; the youngest is " + youngest.caller + "(#" +
                                             std::to_string(youngest.request_id) + ")";
        std::lock_guard lock(mutex_);
        emit(HostEvent::Kind::deadlock, *find(request.caller), std::move(detail));
      }
      return CallError{Errc::deadlock, "call closes the cycle " + cycle};
    }
    return WaitReply{};
  }

  HostWaitStats wait_stats() const {
    return HostWaitStats{wait_registrations_.load(std::memory_order_relaxed),
                         deadlocks_found_.load(std::memory_order_relaxed), waits_.edge_count()};
  }

  CallResult<WaitReply> on_unwait(const CallContext& ctx, const UnwaitRequest& request) {
    if (!speaks_for(ctx, request.caller)) {
      return CallError{Errc::permission_denied, "unwait: the caller is not the process registered as " + request.caller};
    }
    if (Status s = waits_.remove_edge(request.caller, request.request_id); !s) return s.error();
    return WaitReply{};
  }

  CallResult<RegisterReply> on_register(const CallContext& ctx, const RegisterRequest& request) {
    if (!ctx.peer.known || static_cast<std::uint64_t>(ctx.peer.pid) != request.pid) {
      return CallError{Errc::permission_denied, "register: the pid does not match the caller's credentials"};
    }
    std::lock_guard lock(mutex_);
    Slot* slot = find(request.name);
    if (slot == nullptr) return CallError{Errc::not_found, "register: '" + request.name + "' is not in the manifest"};
    const auto pid = static_cast<pid_t>(request.pid);
    if (slot->pid == pid && slot->watch) {
      if (slot->state == State::starting) {
        slot->state = State::running;
        slot->generation = next_generation_++;
        slot->address = request.address;
        emit(HostEvent::Kind::registered, *slot, request.address);
        changed_.notify_all();
      }
      slot->address = request.address;
      return RegisterReply{slot->generation};
    }
    const bool has_live_process = slot->watch.valid();
    if (has_live_process) {
      return CallError{Errc::rejected, "register: another instance of '" + request.name + "' runs as pid " +
                                           std::to_string(slot->pid)};
    }
    return adopt(*slot, pid, request.address);
  }

  // A running service this host did not start (it outlived an earlier host).
  CallResult<RegisterReply> adopt(Slot& slot, pid_t pid, const std::string& address) {
    Result<platform::Fd> pidfd = platform::pidfd_open(pid);
    if (!pidfd) return pidfd.error();
    slot.our_child = false;
    slot.watch = std::move(*pidfd);
    slot.pid = pid;
    slot.address = address;
    slot.state = State::running;
    slot.generation = next_generation_++;
    slot.started = Clock::now();
    emit(HostEvent::Kind::adopted, slot, address);
    changed_.notify_all();
    (void)wake_.signal();  // the supervisor must start watching the new pidfd
    return RegisterReply{slot.generation};
  }

  CallResult<LookupReply> on_lookup(const LookupRequest& request) {
    std::lock_guard lock(mutex_);
    Slot* slot = find(request.name);
    if (slot == nullptr) return CallError{Errc::not_found, "no service named '" + request.name + "'"};
    if (slot->state != State::running) {
      std::string why = "'" + request.name + "' is " + std::string(state_name(slot->state));
      if (!slot->last_exit.empty()) why += " (last exit: " + slot->last_exit + ")";
      return CallError{Errc::service_unavailable, why};
    }
    return LookupReply{slot->address, static_cast<std::uint64_t>(slot->pid), slot->generation};
  }

  StatusReply status() const {
    std::lock_guard lock(mutex_);
    StatusReply reply;
    reply.host_pid = static_cast<std::uint64_t>(::getpid());
    const auto now = Clock::now();
    for (const Slot& s : slots_) {
      ServiceStatus st;
      st.name = s.spec.name;
      st.state = std::string(state_name(s.state));
      st.pid = s.watch ? static_cast<std::uint64_t>(s.pid) : 0;
      st.generation = s.generation;
      st.restarts = s.restarts;
      if (s.state == State::running) {
        st.uptime_ms = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(now - s.started).count());
      }
      st.address = s.state == State::running ? s.address : std::string{};
      st.last_exit = s.last_exit;
      reply.services.push_back(std::move(st));
    }
    return reply;
  }

  // Supervisor thread ------------------------------------------------------

  void spawn_locked(Slot& slot) {
    Result<platform::SpawnSpec> spec = spawn_spec(slot.spec, options_.manifest.host_address);
    Result<platform::Child> child = spec ? platform::spawn(*spec) : Result<platform::Child>(spec.error());
    if (!child) {
      slot.last_exit = "spawn failed: " + child.error().message();
      emit(HostEvent::Kind::exited, slot, slot.last_exit);
      schedule_restart_locked(slot, /*abnormal=*/true);
      return;
    }
    slot.pid = child->pid;
    slot.watch = std::move(child->pidfd);
    slot.our_child = true;
    slot.state = State::starting;
    slot.started = Clock::now();
    emit(HostEvent::Kind::spawned, slot);
  }

  void schedule_restart_locked(Slot& slot, bool abnormal) {
    const bool restart = slot.spec.restart == RestartPolicy::permanent ||
                         (slot.spec.restart == RestartPolicy::transient && abnormal);
    if (!restart || stopping_.load(std::memory_order_relaxed)) {
      slot.state = State::stopped;
      emit(HostEvent::Kind::stopped, slot, slot.last_exit);
      return;
    }
    const auto now = Clock::now();
    while (!slot.recent_restarts.empty() && now - slot.recent_restarts.front() > slot.spec.restart_window) {
      slot.recent_restarts.pop_front();
    }
    if (slot.recent_restarts.size() >= slot.spec.max_restarts) {
      slot.state = State::failed;
      emit(HostEvent::Kind::gave_up, slot,
           std::to_string(slot.recent_restarts.size()) + " restarts within " +
               std::to_string(slot.spec.restart_window.count()) + " ms");
      return;
    }
    const auto shift = std::min<std::size_t>(slot.recent_restarts.size(), 20);
    const std::chrono::milliseconds delay =
        std::min<std::chrono::milliseconds>(slot.spec.backoff * (std::int64_t{1} << shift), slot.spec.backoff_max);
    slot.recent_restarts.push_back(now);
    ++slot.restarts;
    slot.state = State::backoff;
    slot.restart_at = now + delay;
    emit(HostEvent::Kind::restarting, slot, "in " + std::to_string(delay.count()) + " ms");
  }

  void on_exit_locked(Slot& slot) {
    bool abnormal = true;
    if (slot.our_child) {
      Result<platform::ExitStatus> status = platform::wait_child(slot.watch, Deadline::after(1s));
      if (status) {
        slot.last_exit = describe(*status);
        abnormal = !status->exited_normally() || status->code != 0;
      } else {
        slot.last_exit = "exited (status unknown: " + status.error().message() + ")";
      }
    } else {
      slot.last_exit = "exited (adopted; status unknown)";
    }
    slot.watch = platform::Fd();
    slot.our_child = false;
    slot.address.clear();
    (void)waits_.remove_edges_of(slot.spec.name);  // its calls died with it
    emit(HostEvent::Kind::exited, slot, slot.last_exit);
    schedule_restart_locked(slot, abnormal);
    changed_.notify_all();
  }

  void supervise() {
    const Clock::time_point adopt_until = started_at_ + options_.adopt_grace;
    while (!stopping_.load(std::memory_order_relaxed)) {
      std::vector<int> fds{wake_.fd().get()};
      std::vector<Slot*> watched{nullptr};
      Clock::time_point next = Clock::now() + 200ms;
      {
        std::lock_guard lock(mutex_);
        const auto now = Clock::now();
        for (Slot& s : slots_) {
          if (s.state == State::waiting_adopt && now >= adopt_until) spawn_locked(s);
          if (s.state == State::starting && !s.watch) spawn_locked(s);
          if (s.state == State::backoff && now >= s.restart_at) spawn_locked(s);
          if (s.state == State::backoff) next = std::min(next, s.restart_at);
          if (s.state == State::waiting_adopt) next = std::min(next, adopt_until);
          if (s.watch) {
            fds.push_back(s.watch.get());
            watched.push_back(&s);
          }
        }
        changed_.notify_all();
      }
      std::unique_ptr<bool[]> ready(new bool[fds.size()]());
      Status polled = platform::poll_readable(fds, std::span<bool>(ready.get(), fds.size()), Deadline::at(next));
      if (!polled) continue;  // timed_out: time for a restart, or a look at the flag
      if (ready[0]) (void)wake_.try_consume();
      std::lock_guard lock(mutex_);
      for (std::size_t i = 1; i < fds.size(); ++i) {
        if (ready[i]) on_exit_locked(*watched[i]);
      }
    }
  }

  void start_supervisor() {
    supervisor_ = std::thread([this] { supervise(); });
  }

  void stop() noexcept {
    if (stopping_.exchange(true, std::memory_order_relaxed)) return;
    (void)wake_.signal();
    if (supervisor_.joinable()) supervisor_.join();
    if (server_) server_->stop();
    terminate_services();
  }

  void terminate_services() noexcept {
    std::lock_guard lock(mutex_);
    for (Slot& s : slots_) {
      if (s.watch) (void)platform::send_signal(s.watch, SIGTERM);
    }
    const Deadline grace = Deadline::after(options_.stop_grace);
    for (Slot& s : slots_) {
      if (!s.watch) continue;
      if (!platform::wait_process_exit(s.watch, grace)) (void)platform::send_signal(s.watch, SIGKILL);
      if (s.our_child) (void)platform::wait_child(s.watch, Deadline::after(5s));
      s.watch = platform::Fd();
      s.our_child = false;
      s.state = State::stopped;
      emit(HostEvent::Kind::stopped, s, "host stopped");
    }
    changed_.notify_all();
  }
};

std::string_view name(HostEvent::Kind kind) noexcept {
  switch (kind) {
    case HostEvent::Kind::spawned: return "spawned";
    case HostEvent::Kind::registered: return "registered";
    case HostEvent::Kind::adopted: return "adopted";
    case HostEvent::Kind::exited: return "exited";
    case HostEvent::Kind::restarting: return "restarting";
    case HostEvent::Kind::gave_up: return "gave_up";
    case HostEvent::Kind::stopped: return "stopped";
    case HostEvent::Kind::deadlock: return "deadlock";
  }
  return "unknown";
}

Host::Host(std::unique_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}
Host::~Host() = default;

CallResult<std::unique_ptr<Host>> Host::start(HostOptions options) {
  if (options.manifest.host_address.empty()) options.manifest.host_address = default_host_address;
  Result<platform::EventFd> wake = platform::EventFd::create();
  if (!wake) return wake.error();
  auto impl = std::make_unique<Impl>(std::move(options), std::move(*wake));
  Result<std::unique_ptr<Server>> server = Server::create(impl->options_.manifest.host_address);
  if (!server) return server.error();
  impl->server_ = std::move(*server);
  impl->register_handlers();
  if (Status s = impl->server_->start(); !s) return s.error();
  impl->start_supervisor();
  return std::unique_ptr<Host>(new Host(std::move(impl)));
}

StatusReply Host::status() const { return impl_->status(); }
HostWaitStats Host::wait_stats() const { return impl_->wait_stats(); }
std::string_view Host::address() const noexcept { return impl_->options_.manifest.host_address; }
void Host::stop() noexcept { impl_->stop(); }

CallResult<LookupReply> Host::wait_running(std::string_view service, Deadline deadline, std::uint64_t after) const {
  std::unique_lock lock(impl_->mutex_);
  for (;;) {
    for (const Slot& s : impl_->slots_) {
      if (s.spec.name == service && s.state == State::running && s.generation > after) {
        return LookupReply{s.address, static_cast<std::uint64_t>(s.pid), s.generation};
      }
    }
    if (deadline.expired()) return CallError{Errc::timed_out, "the service did not start before the deadline"};
    impl_->changed_.wait_for(lock, std::min<Clock::duration>(deadline.remaining(), 100ms));
  }
}

}  // namespace missive::service
