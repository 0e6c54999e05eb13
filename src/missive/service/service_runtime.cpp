// ServiceRuntime: a Server plus a heartbeat thread that (re)registers.
//
// Thread-safety: the heartbeat thread owns its host Client; stop_ and
// registered_ are the only state it shares (mutex_ + wake_ for the stop
// request, an atomic for registered_).
#include "missive/service/service_runtime.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>

#include "missive/platform/signals.hpp"
#include "missive/service/client.hpp"
#include "missive/service/registry_protocol.hpp"

namespace missive::service {
namespace {

using namespace std::chrono_literals;

std::string env_or(const char* variable, const std::string& fallback) {
  const char* value = std::getenv(variable);
  return value == nullptr ? fallback : std::string(value);
}

std::optional<QueueFairness> fairness_from_env() {
  const std::string text = env_or("MISSIVE_SERVICE_FAIRNESS", "");
  if (text == "none") return QueueFairness::none;
  if (text == "equal_messages") return QueueFairness::equal_messages;
  if (text == "equal_bytes") return QueueFairness::equal_bytes;
  return std::nullopt;
}

// $MISSIVE_DEADLOCK_REGISTRATION and $MISSIVE_DEADLOCK_GRACE_US over `base`.
CallResult<DeadlockDetection> deadlock_detection_from_env(DeadlockDetection base) {
  if (const std::string mode = env_or("MISSIVE_DEADLOCK_REGISTRATION", ""); !mode.empty()) {
    CallResult<WaitRegistration> parsed = parse_wait_registration(mode);
    if (!parsed) return CallError{Errc::invalid_argument, "MISSIVE_DEADLOCK_REGISTRATION: " + parsed.error().message()};
    base.registration = *parsed;
  }
  if (const std::string grace = env_or("MISSIVE_DEADLOCK_GRACE_US", ""); !grace.empty()) {
    char* end = nullptr;
    const unsigned long long us = std::strtoull(grace.c_str(), &end, 10);
    if (end == grace.c_str() || *end != '\0' || us > 60'000'000) {
      return CallError{Errc::invalid_argument,
                       "MISSIVE_DEADLOCK_GRACE_US must be a number of microseconds up to 60000000, not '" + grace + "'"};
    }
    base.grace = std::chrono::microseconds(us);
  }
  return base;
}

}  // namespace

ServerOptions server_options_for(QueueFairness fairness, ServerOptions base) {
  switch (fairness) {
    case QueueFairness::none: base.dispatch = Dispatch::inline_per_connection; break;
    case QueueFairness::equal_messages:
      base.dispatch = Dispatch::fair_queue;
      base.scheduling.mode = sched::FairnessMode::equal_messages;
      break;
    case QueueFairness::equal_bytes:
      base.dispatch = Dispatch::fair_queue;
      base.scheduling.mode = sched::FairnessMode::equal_bytes;
      break;
  }
  return base;
}

class ServiceRuntime::Impl {
 public:
  ServiceRuntimeOptions options_;
  std::unique_ptr<Server> server_;
  std::thread heartbeat_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;  // guarded by mutex_
  // Written by the heartbeat thread, read by anyone: relaxed, a status flag
  // that publishes no other data.
  std::atomic<bool> registered_{false};
  bool started_ = false;

  void heartbeat_loop() {
    std::optional<Client> host;
    Clock::time_point last_registered = Clock::now();
    for (;;) {
      register_once(host);
      if (registered_.load(std::memory_order_relaxed)) {
        last_registered = Clock::now();
      } else if (options_.orphan_timeout.count() > 0 && Clock::now() - last_registered > options_.orphan_timeout) {
        // No host for too long: an orphan would run forever (and hold on to
        // whatever its host's parent gave it, such as a test's output pipe).
        std::cerr << options_.name << ": no host at " << options_.host_address << " for "
                  << options_.orphan_timeout.count() << " ms; stopping\n";
        ::kill(::getpid(), SIGTERM);  // run() is waiting for it
        return;
      }
      std::unique_lock lock(mutex_);
      const auto period = registered_.load(std::memory_order_relaxed) ? options_.heartbeat : 20ms;
      if (wake_.wait_for(lock, period, [&] { return stop_; })) return;
    }
  }

  void register_once(std::optional<Client>& host) {
    if (!host || host->broken()) {
      host.reset();
      Result<Client> connected = Client::connect(options_.host_address, Deadline::after(200ms));
      if (!connected) {
        registered_.store(false, std::memory_order_relaxed);
        return;
      }
      host.emplace(std::move(*connected));
    }
    const RegisterRequest request{options_.name, std::string(server_->address()), static_cast<std::uint64_t>(::getpid())};
    CallResult<RegisterReply> reply = host->call<RegisterReply>("host.register", request, Deadline::after(1s));
    if (!reply && reply.error().code != Errc::timed_out) {
      // A host that refuses us (not in its manifest, another instance) is
      // worth one line on stderr; the next heartbeat tries again.
      if (reply.error().code != Errc::peer_died) std::cerr << options_.name << ": " << reply.error().message() << "\n";
      host.reset();
    }
    registered_.store(static_cast<bool>(reply), std::memory_order_relaxed);
  }
};

ServiceRuntime::ServiceRuntime(std::unique_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}
ServiceRuntime::~ServiceRuntime() { stop(); }

CallResult<std::unique_ptr<ServiceRuntime>> ServiceRuntime::create(ServiceRuntimeOptions options) {
  if (options.name.empty()) options.name = env_or("MISSIVE_SERVICE_NAME", "");
  if (options.name.empty()) return CallError{Errc::invalid_argument, "a service needs a name (MISSIVE_SERVICE_NAME)"};
  if (options.host_address.empty()) options.host_address = env_or("MISSIVE_HOST", "");
  if (const std::string orphan = env_or("MISSIVE_SERVICE_ORPHAN_TIMEOUT_MS", ""); !orphan.empty()) {
    options.orphan_timeout = std::chrono::milliseconds(std::strtoul(orphan.c_str(), nullptr, 10));
  }
  CallResult<DeadlockDetection> deadlock = deadlock_detection_from_env(options.deadlock);
  if (!deadlock) return deadlock.error();
  options.deadlock = *deadlock;
  if (const std::string transport = env_or("MISSIVE_SERVICE_TRANSPORT", ""); !transport.empty()) {
    options.scheme = transport;
  }
  if (options.address.empty()) {
    const std::string base = "missive." + options.name + "." + std::to_string(::getpid());
    options.address = options.scheme == "unix" ? "unix:@" + base : "shm://" + base;
  }
  if (options.fairness_from_environment) {
    if (const std::optional<QueueFairness> fairness = fairness_from_env()) {
      options.server = server_options_for(*fairness, options.server);
    }
    const std::string scheduler = env_or("MISSIVE_SERVICE_SCHEDULER", "");
    if (scheduler == "drr") options.server.scheduling.algorithm = sched::Algorithm::drr;
    if (scheduler == "wf2q") options.server.scheduling.algorithm = sched::Algorithm::wf2q;
    if (scheduler == "wfq") options.server.scheduling.algorithm = sched::Algorithm::wfq;
    const std::string workers = env_or("MISSIVE_SERVICE_WORKERS", "");
    if (!workers.empty()) options.server.workers = std::clamp<std::size_t>(std::strtoul(workers.c_str(), nullptr, 10), 1, 256);
  }
  Result<std::unique_ptr<Server>> server = Server::create(options.address, options.server);
  if (!server) return server.error();
  auto impl = std::make_unique<Impl>();
  impl->options_ = std::move(options);
  impl->server_ = std::move(*server);
  return std::unique_ptr<ServiceRuntime>(new ServiceRuntime(std::move(impl)));
}

Server& ServiceRuntime::server() noexcept { return *impl_->server_; }
const std::string& ServiceRuntime::name() const noexcept { return impl_->options_.name; }
ServiceClient ServiceRuntime::client(std::string service) const {
  return client(std::move(service), impl_->options_.deadlock);
}

ServiceClient ServiceRuntime::client(std::string service, DeadlockDetection detection) const {
  ServiceClientOptions options;
  options.host_address = impl_->options_.host_address;
  options.client.caller = impl_->options_.name;
  options.deadlock = detection;
  return ServiceClient(std::move(service), std::move(options));
}

bool ServiceRuntime::registered() const noexcept { return impl_->registered_.load(std::memory_order_relaxed); }

Status ServiceRuntime::start() {
  if (impl_->started_) return Error{Errc::invalid_argument, "ServiceRuntime started twice"};
  if (Status s = impl_->server_->start(); !s) return s;
  impl_->started_ = true;
  if (!impl_->options_.host_address.empty()) impl_->heartbeat_ = std::thread([this] { impl_->heartbeat_loop(); });
  return ok();
}

int ServiceRuntime::run() {
  if (Status s = platform::block_termination_signals(); !s) {
    std::cerr << impl_->options_.name << ": " << s.error().message() << "\n";
    return 1;
  }
  if (Status s = start(); !s) {
    std::cerr << impl_->options_.name << ": cannot serve: " << s.error().message() << "\n";
    return 1;
  }
  (void)platform::wait_termination_signal();
  stop();
  return 0;
}

void ServiceRuntime::stop() noexcept {
  {
    std::lock_guard lock(impl_->mutex_);
    impl_->stop_ = true;
  }
  impl_->wake_.notify_all();
  if (impl_->heartbeat_.joinable()) impl_->heartbeat_.join();
  impl_->server_->stop();
}

}  // namespace missive::service
