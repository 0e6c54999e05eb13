// Tour chapter: the service host. A host starts missive-kvd and missive-fsd
// as their own processes; a client reaches them by name, makes calls, sends a
// hostile path, then kvd is killed with SIGKILL: the client gets a clean
// error, the host restarts kvd, and the acknowledged write is still there.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <fmt/core.h>

#include "missive/service/host.hpp"
#include "missive/service/service_client.hpp"
#include "missive/services/fs_protocol.hpp"
#include "missive/services/kv_protocol.hpp"
#include "tour/programs.hpp"
#include "tour/tour.hpp"

namespace missive::cli {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

struct Stopwatch {
  Clock::time_point start = Clock::now();
  [[nodiscard]] double ms() const { return std::chrono::duration<double, std::milli>(Clock::now() - start).count(); }
};

class ServicesTour {
 public:
  ServicesTour(const TourOptions& options, fs::path work) : options_(options), work_(std::move(work)) {}

  int run() {
    const std::string kvd = find_service_program("missive-kvd");
    const std::string fsd = find_service_program("missive-fsd");
    if (kvd.empty() || fsd.empty()) {
      fmt::print("  missive-kvd / missive-fsd not found next to this program; build the `kvd` and `fsd` targets\n");
      return 1;
    }
    prepare_files();
    address_ = "unix:@missive-tour-" + std::to_string(::getpid());
    const std::string manifest_text = fmt::format(
        "[host]\naddress = \"{}\"\n"
        "[[service]]\nname = \"kvd\"\ncommand = \"{}\"\nargs = [\"--dir\", \"{}\"]\nbackoff_ms = 0\n"
        "[[service]]\nname = \"fsd\"\ncommand = \"{}\"\nargs = [\"--root\", \"{}\"]\n",
        address_, kvd, (work_ / "kv").string(), fsd, (work_ / "files").string());
    service::CallResult<service::Manifest> manifest = service::parse_manifest(manifest_text);
    if (!manifest) return fail("manifest", manifest.error());
    fmt::print("  host at {} starts kvd and fsd, each its own process:\n", address_);
    service::HostOptions host_options;
    host_options.manifest = *manifest;
    host_options.on_event = [this](const service::HostEvent& e) { event(e); };
    auto host = service::Host::start(std::move(host_options));
    if (!host) return fail("host", host.error());
    host_ = host->get();
    for (const char* name : {"kvd", "fsd"}) {
      if (auto up = host_->wait_running(name, Deadline::after(5s)); !up) return fail(name, up.error());
    }
    const int status = calls() || crash_and_restart() || round_trips();
    host_->stop();
    return status;
  }

 private:
  void prepare_files() {
    fs::create_directories(work_ / "kv");
    fs::create_directories(work_ / "files" / "docs");
    std::ofstream(work_ / "files" / "hello.txt") << "hello from fsd\n";
    std::ofstream(work_ / "files" / "docs" / "readme.md") << "# served read-only\n";
    fs::create_symlink("/etc/passwd", work_ / "files" / "sneaky-link");
  }

  void event(const service::HostEvent& e) {
    std::lock_guard lock(print_mutex_);
    fmt::print("    [host +{:7.1f} ms] {:<4} {:<10} pid {:<7} {}\n", clock_.ms(), e.service, service::name(e.kind), e.pid,
               e.detail);
  }

  template <class... Args>
  void say(fmt::format_string<Args...> format, Args&&... args) {
    std::lock_guard lock(print_mutex_);
    fmt::print(format, std::forward<Args>(args)...);
  }

  int fail(const char* what, const service::CallError& error) {
    say("  !! {}: {}\n", what, error.message());
    return 1;
  }

  int calls() {
    service::ServiceClient kv("kvd", {.host_address = address_});
    service::ServiceClient files("fsd", {.host_address = address_});
    services::KvPutRequest put;
    put.key = "greeting";
    put.value = "hello, durable world";
    if (auto r = kv.call<services::KvPutReply>("kv.put", put, Deadline::after(2s)); !r) return fail("kv.put", r.error());
    say("  client: kv.put greeting -> ok (acknowledged after fdatasync)\n");
    services::KvGetRequest get;
    get.key = "greeting";
    auto got = kv.call<services::KvGetReply>("kv.get", get, Deadline::after(2s));
    if (!got) return fail("kv.get", got.error());
    say("  client: kv.get greeting -> \"{}\"\n", got->value);
    services::FsListRequest list;
    list.path = ".";
    auto listing = files.call<services::FsListReply>("fs.list", list, Deadline::after(2s));
    if (!listing) return fail("fs.list", listing.error());
    std::string names;
    for (const auto& entry : listing->listing.entries) names += " " + entry.name;
    say("  client: fs.list . ->{}\n", names);
    services::FsReadRequest read;
    read.path = "hello.txt";
    read.want_checksum = true;
    auto data = files.call<services::FsReadReply>("fs.read", read, Deadline::after(2s));
    if (!data) return fail("fs.read", data.error());
    say("  client: fs.read hello.txt -> {} bytes, crc32c {}: \"{}\"\n", data->data.size(),
        data->verify() ? "verified" : "MISMATCH",
        std::string(reinterpret_cast<const char*>(data->data.data()), data->data.size() - 1));
    for (const char* hostile : {"../../etc/passwd", "/etc/passwd", "sneaky-link"}) {
      services::FsReadRequest bad;
      bad.path = hostile;
      auto refused = files.call<services::FsReadReply>("fs.read", bad, Deadline::after(2s));
      say("  client: fs.read {:<18} -> {}\n", hostile, refused ? "SERVED (a bug!)" : refused.error().message());
      if (refused) return 1;
    }
    return 0;
  }

  int crash_and_restart() {
    service::ServiceClient kv("kvd", {.host_address = address_});
    services::KvGetRequest get;
    get.key = "greeting";
    if (auto r = kv.call<services::KvGetReply>("kv.get", get, Deadline::after(2s)); !r) return fail("kv.get", r.error());
    auto up = host_->wait_running("kvd", Deadline::after(2s));
    if (!up) return fail("kvd", up.error());
    say("  now: kill -9 kvd (pid {}), then call it at once\n", up->pid);
    const Stopwatch since_kill;
    ::kill(static_cast<pid_t>(up->pid), SIGKILL);
    std::this_thread::sleep_for(2ms);
    auto failed = kv.call<services::KvGetReply>("kv.get", get, Deadline::after(2s));
    say("  client: kv.get greeting -> {} (after {:.1f} ms, not at its 2 s deadline)\n",
        failed ? "ok (the restart was faster than the call)" : failed.error().message(), since_kill.ms());
    service::CallResult<services::KvGetReply> again = service::CallError{};
    while (!again && since_kill.ms() < 5000) {
      again = kv.call<services::KvGetReply>("kv.get", get, Deadline::after(1s));
      if (!again) std::this_thread::sleep_for(500us);
    }
    if (!again) return fail("kv.get after restart", again.error());
    say("  client: kv.get greeting -> \"{}\" from the new kvd, {:.1f} ms after the kill (goal < 50 ms)\n", again->value,
        since_kill.ms());
    return 0;
  }

  int round_trips() {
    service::ServiceClient kv("kvd", {.host_address = address_});
    services::KvGetRequest get;
    get.key = "greeting";
    const int n = options_.quick ? 2000 : 20000;
    std::vector<double> us;
    us.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      const Stopwatch one;
      if (auto r = kv.call<services::KvGetReply>("kv.get", get, Deadline::after(2s)); !r) return fail("kv.get", r.error());
      us.push_back(one.ms() * 1000.0);
    }
    std::sort(us.begin(), us.end());
    say("  {} kv.get calls over shm (spin-then-park): round trip median {:.1f} us, p99 {:.1f} us\n", n,
        us[us.size() / 2], us[us.size() * 99 / 100]);
    return 0;
  }

  const TourOptions& options_;
  fs::path work_;
  std::string address_;
  service::Host* host_ = nullptr;
  std::mutex print_mutex_;
  Stopwatch clock_;
};

}  // namespace

int tour_services(const TourOptions& options) {
  const fs::path work = fs::temp_directory_path() / ("missive-tour-services-" + std::to_string(::getpid()));
  fs::remove_all(work);
  const int status = ServicesTour(options, work).run();
  std::error_code ignored;
  fs::remove_all(work, ignored);
  return status;
}

}  // namespace missive::cli
