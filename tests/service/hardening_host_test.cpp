// The manifest's hardening on real service processes: a seccomp allow-list
// (its default list runs echod, fsd and kvd; a syscall outside it fails with
// EPERM or kills the service, as configured, and the host says so) and the
// switch to another uid when the host runs as root.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "host_support.hpp"
#include "missive/service/client.hpp"
#include "missive/service/host.hpp"
#include "missive/service/registry_protocol.hpp"
#include "missive/service/service_client.hpp"
#include "missive/services/fs_protocol.hpp"
#include "missive/services/kv_protocol.hpp"

namespace missive::service {
namespace {

using namespace std::chrono_literals;
using testing::start_host_from_text;

// The ThreadSanitizer runtime inside a TSan-built service makes system calls
// of its own that no service needs (the default list is traced from normal
// and ASan builds), so under the kill action it dies before it serves.
// The errno-action tests still run under TSan: there the runtime's extra
// calls just fail and it carries on.
#if defined(__SANITIZE_THREAD__)
constexpr bool tsan_build = true;
#else
constexpr bool tsan_build = false;
#endif
#define SKIP_KILL_ACTION_UNDER_TSAN()                                                          \
  if (tsan_build) GTEST_SKIP() << "the TSan runtime's own syscalls are outside the default list" \
                               << " and the kill action kills it"

std::string unique_host_address() {
  static std::atomic<int> counter{0};
  return "unix:@missive-hardening-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

std::string transport() {
  const char* t = std::getenv("MISSIVE_TEST_SERVICE_TRANSPORT");
  return t != nullptr ? t : "shm";
}

std::string echo_manifest(const std::string& address, const std::string& hardening,
                          const std::string& restart = "permanent") {
  return "[host]\naddress = \"" + address + "\"\n[[service]]\nname = \"echo\"\ncommand = \"" + ECHO_SERVICE_PATH +
         "\"\nbackoff_ms = 1\nrestart = \"" + restart + "\"\ntransport = \"" + transport() +
         "\"\n[service.hardening]\n" + hardening;
}

std::uint64_t u64_at(const Bytes& b, std::size_t index) {
  std::uint64_t v = 0;
  if (b.size() >= (index + 1) * 8) std::memcpy(&v, b.data() + index * 8, 8);
  return v;
}

// The "Seccomp:" line of /proc/PID/status: 2 when a filter is installed.
std::string proc_status_field(std::uint64_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) {
      const std::size_t start = line.find_first_not_of(" \t", field.size() + 1);
      return start == std::string::npos ? std::string{} : line.substr(start);
    }
  }
  return "<missing>";
}

TEST(Hardening, EchodServesUnderTheDefaultListAndAnUnlistedSyscallGetsEperm) {
  const std::string address = unique_host_address();
  auto host = start_host_from_text(echo_manifest(address, "seccomp = \"default\"\n"), {"echo"});
  ASSERT_NE(host, nullptr);
  CallResult<LookupReply> up = host->wait_running("echo", Deadline::after(5s));
  ASSERT_TRUE(up);
  EXPECT_EQ(proc_status_field(up->pid, "Seccomp"), "2") << "no seccomp filter on the service";
  ServiceClient echo("echo", {.host_address = address});
  const Bytes ping{std::byte{1}, std::byte{2}, std::byte{3}};
  CallResult<Bytes> reply = echo.call("echo", ping, Deadline::after(2s));
  ASSERT_TRUE(reply) << reply.error().message();
  EXPECT_EQ(*reply, ping);
  CallResult<Bytes> probe = echo.call("getcpu", {}, Deadline::after(2s));
  ASSERT_TRUE(probe) << probe.error().message();
  EXPECT_EQ(u64_at(*probe, 0), static_cast<std::uint64_t>(EPERM)) << "getcpu is outside the default list";
  // The refused syscall changed nothing: the same process still serves.
  CallResult<Bytes> again = echo.call("echo", ping, Deadline::after(2s));
  ASSERT_TRUE(again) << again.error().message();
  const StatusReply status = host->status();
  ASSERT_EQ(status.services.size(), 1u);
  EXPECT_EQ(status.services[0].restarts, 0u);
}

TEST(Hardening, SeccompAllowAddsToTheDefaultList) {
  const std::string address = unique_host_address();
  auto host = start_host_from_text(echo_manifest(address, "seccomp = \"default\"\nseccomp_allow = [\"getcpu\"]\n"),
                                   {"echo"});
  ASSERT_NE(host, nullptr);
  ServiceClient echo("echo", {.host_address = address});
  CallResult<Bytes> probe = echo.call("getcpu", {}, Deadline::after(2s));
  ASSERT_TRUE(probe) << probe.error().message();
  EXPECT_EQ(u64_at(*probe, 0), 0u);
}

// Property: a service killed by its filter never leaves its caller hanging,
// and the host's status names seccomp as the cause.
TEST(Hardening, TheKillActionKillsTheServiceAndTheHostSaysWhy) {
  SKIP_KILL_ACTION_UNDER_TSAN();
  const std::string address = unique_host_address();
  auto host = start_host_from_text(
      echo_manifest(address, "seccomp = \"default\"\nseccomp_action = \"kill\"\n", "temporary"),
      {"echo"});
  ASSERT_NE(host, nullptr);
  ServiceClient echo("echo", {.host_address = address});
  ASSERT_TRUE(echo.call("echo", {}, Deadline::after(2s)));
  const auto start = Clock::now();
  CallResult<Bytes> probe = echo.call("getcpu", {}, Deadline::after(5s));
  ASSERT_FALSE(probe) << "getcpu ran under a filter that kills";
  EXPECT_EQ(probe.error().code, Errc::peer_died) << probe.error().message();
  EXPECT_LT(Clock::now() - start, 2s);
  std::string last_exit;
  for (int i = 0; i < 400 && last_exit.empty(); ++i) {
    const StatusReply status = host->status();
    if (!status.services.empty() && status.services[0].state == "stopped") last_exit = status.services[0].last_exit;
    if (last_exit.empty()) std::this_thread::sleep_for(5ms);
  }
  EXPECT_NE(last_exit.find("SIGSYS"), std::string::npos) << last_exit;
  EXPECT_NE(last_exit.find("seccomp"), std::string::npos) << last_exit;
}

TEST(Hardening, FsdAndKvdServeUnderTheDefaultList) {
  SKIP_KILL_ACTION_UNDER_TSAN();
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("missive-hardening-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "kv");
  std::filesystem::create_directories(dir / "files");
  std::ofstream(dir / "files" / "hello.txt") << "hello\n";
  const std::string address = unique_host_address();
  const std::string hardening = "[service.hardening]\nseccomp = \"default\"\nseccomp_action = \"kill\"\n";
  const std::string text = "[host]\naddress = \"" + address + "\"\n[[service]]\nname = \"kvd\"\ncommand = \"" + KVD_PATH +
                           "\"\nargs = [\"--dir\", \"" + (dir / "kv").string() + "\"]\nrestart = \"temporary\"\n" +
                           "transport = \"" + transport() + "\"\n" + hardening + "[[service]]\nname = \"fsd\"\ncommand = \"" +
                           FSD_PATH + "\"\nargs = [\"--root\", \"" + (dir / "files").string() +
                           "\"]\nrestart = \"temporary\"\ntransport = \"" + transport() + "\"\n" + hardening;
  {
    auto host = start_host_from_text(text, {"kvd", "fsd"});
    ASSERT_NE(host, nullptr);
    ServiceClient kv("kvd", {.host_address = address});
    services::KvPutRequest put;
    put.key = "k";
    put.value = "v";
    auto put_reply = kv.call<services::KvPutReply>("kv.put", put, Deadline::after(2s));
    ASSERT_TRUE(put_reply) << put_reply.error().message();
    services::KvGetRequest get;
    get.key = "k";
    auto got = kv.call<services::KvGetReply>("kv.get", get, Deadline::after(2s));
    ASSERT_TRUE(got) << got.error().message();
    EXPECT_EQ(got->value, "v");
    services::KvScanRequest scan;
    auto scanned = kv.call<services::KvScanReply>("kv.scan", scan, Deadline::after(2s));
    ASSERT_TRUE(scanned) << scanned.error().message();

    ServiceClient files("fsd", {.host_address = address});
    services::FsListRequest list;
    list.path = ".";
    auto listing = files.call<services::FsListReply>("fs.list", list, Deadline::after(2s));
    ASSERT_TRUE(listing) << listing.error().message();
    services::FsStatRequest stat;
    stat.path = "hello.txt";
    auto stat_reply = files.call<services::FsStatReply>("fs.stat", stat, Deadline::after(2s));
    ASSERT_TRUE(stat_reply) << stat_reply.error().message();
    services::FsReadRequest read;
    read.path = "hello.txt";
    read.want_checksum = true;
    auto data = files.call<services::FsReadReply>("fs.read", read, Deadline::after(2s));
    ASSERT_TRUE(data) << data.error().message();
    EXPECT_EQ(data->data.size(), 6u);
    services::FsReadRequest escape;
    escape.path = "../kv";
    auto refused = files.call<services::FsReadReply>("fs.read", escape, Deadline::after(2s));
    EXPECT_FALSE(refused);
    // Under the kill action a single unlisted syscall would have ended them.
    const StatusReply status = host->status();
    for (const ServiceStatus& s : status.services) {
      EXPECT_EQ(s.state, "running") << s.name << ": " << s.last_exit;
      EXPECT_EQ(proc_status_field(s.pid, "Seccomp"), "2") << s.name;
    }
  }
  std::filesystem::remove_all(dir);
}

// As root, `user = 65534` runs the service as nobody, without root's
// supplementary groups, and its registration still passes the registry's
// SO_PEERCRED check (the registering pid is the spawned one).
TEST(Hardening, AsRootAServiceRunsAsAnotherUidAndStillRegisters) {
  if (::geteuid() != 0) GTEST_SKIP() << "switching uid needs root; this test runs as uid " << ::geteuid();
  const std::string address = unique_host_address();
  auto host = start_host_from_text(echo_manifest(address, "user = 65534\nseccomp = \"default\"\n"), {"echo"});
  ASSERT_NE(host, nullptr) << "a service running as uid 65534 did not register";
  CallResult<LookupReply> up = host->wait_running("echo", Deadline::after(5s));
  ASSERT_TRUE(up);
  ServiceClient echo("echo", {.host_address = address});
  CallResult<Bytes> ids = echo.call("ids", {}, Deadline::after(2s));
  ASSERT_TRUE(ids) << ids.error().message();
  EXPECT_EQ(u64_at(*ids, 0), 65534u) << "uid";
  EXPECT_EQ(u64_at(*ids, 1), 65534u) << "gid";
  EXPECT_EQ(u64_at(*ids, 2), 0u) << "supplementary groups left from root";
  EXPECT_EQ(proc_status_field(up->pid, "Uid"), "65534\t65534\t65534\t65534");
  // The registry still refuses a registration that is not the service's own.
  Result<Client> raw = Client::connect(address, Deadline::after(2s));
  ASSERT_TRUE(raw);
  CallResult<RegisterReply> spoofed =
      raw->call<RegisterReply>("host.register", RegisterRequest{"echo", "unix:@evil", up->pid}, Deadline::after(2s));
  ASSERT_FALSE(spoofed);
  EXPECT_EQ(spoofed.error().code, Errc::permission_denied);
}

}  // namespace
}  // namespace missive::service
