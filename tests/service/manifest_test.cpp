// Manifests: what a valid one means, and clear errors for broken ones.
#include <gtest/gtest.h>

#include "missive/service/manifest.hpp"
#include "missive/service/seccomp_profile.hpp"

namespace missive::service {
namespace {

using namespace std::chrono_literals;

TEST(Manifest, ParsesServicesWithDefaultsAndOverrides) {
  CallResult<Manifest> m = parse_manifest(R"(
[host]
address = "unix:@my-host"

[[service]]
name = "kvd"
command = "bin/kvd"
args = ["--dir", "/tmp/kv"]
restart = "transient"
max_restarts = 3
restart_window_ms = 1000
backoff_ms = 5
backoff_max_ms = 40
fairness = "equal_bytes"
workers = 3
scheduler = "drr"
[service.hardening]
no_new_privs = false
max_open_files = 64
max_address_space_mb = 512

[[service]]
name = "fsd"
command = "/usr/bin/fsd"
)",
                                          "/opt/app");
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->host_address, "unix:@my-host");
  ASSERT_EQ(m->services.size(), 2u);
  const ServiceSpec& kvd = m->services[0];
  EXPECT_EQ(kvd.command, "/opt/app/bin/kvd");
  EXPECT_EQ(kvd.args, (std::vector<std::string>{"--dir", "/tmp/kv"}));
  EXPECT_EQ(kvd.restart, RestartPolicy::transient);
  EXPECT_EQ(kvd.max_restarts, 3u);
  EXPECT_EQ(kvd.restart_window, 1000ms);
  EXPECT_EQ(kvd.backoff, 5ms);
  EXPECT_EQ(kvd.backoff_max, 40ms);
  EXPECT_EQ(kvd.fairness, QueueFairness::equal_bytes);
  EXPECT_EQ(kvd.workers, 3u);
  EXPECT_EQ(kvd.scheduler, "drr");
  EXPECT_FALSE(kvd.hardening.no_new_privs);
  EXPECT_EQ(kvd.hardening.max_open_files, 64u);
  EXPECT_EQ(kvd.hardening.max_address_space_mb, 512u);
  const ServiceSpec& fsd = m->services[1];
  EXPECT_EQ(fsd.restart, RestartPolicy::permanent);
  EXPECT_EQ(fsd.fairness, QueueFairness::none);
  EXPECT_EQ(fsd.workers, 1u);
  EXPECT_EQ(fsd.scheduler, "wfq");
  EXPECT_TRUE(fsd.hardening.no_new_privs);
  EXPECT_NE(m->find("fsd"), nullptr);
  EXPECT_EQ(m->find("nope"), nullptr);
}

struct BadManifest {
  const char* name;
  const char* text;
  const char* expected_in_detail;
};

class ManifestErrors : public ::testing::TestWithParam<BadManifest> {};

TEST_P(ManifestErrors, AreInvalidArgumentsThatSayWhy) {
  CallResult<Manifest> m = parse_manifest(GetParam().text);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, Errc::invalid_argument);
  EXPECT_NE(m.error().detail.find(GetParam().expected_in_detail), std::string::npos) << m.error().detail;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ManifestErrors,
    ::testing::Values(
        BadManifest{"syntax", "[[service]\nname = 1", "line 1"},
        BadManifest{"no_services", "[host]\naddress = \"unix:@x\"\n", "no [[service]]"},
        BadManifest{"no_name", "[[service]]\ncommand = \"/bin/true\"\n", "needs a name"},
        BadManifest{"bad_name", "[[service]]\nname = \"a/b\"\ncommand = \"/bin/true\"\n", "needs a name"},
        BadManifest{"no_command", "[[service]]\nname = \"a\"\n", "no command"},
        BadManifest{"bad_restart", "[[service]]\nname = \"a\"\ncommand = \"/x\"\nrestart = \"sometimes\"\n", "restart must be"},
        BadManifest{"negative", "[[service]]\nname = \"a\"\ncommand = \"/x\"\nmax_restarts = -1\n", "non-negative"},
        BadManifest{"args_not_strings", "[[service]]\nname = \"a\"\ncommand = \"/x\"\nargs = [1, 2]\n", "array of strings"},
        BadManifest{"bad_fairness", "[[service]]\nname = \"a\"\ncommand = \"/x\"\nfairness = \"lifo\"\n", "fairness must be"},
        BadManifest{"duplicate", "[[service]]\nname = \"a\"\ncommand = \"/x\"\n[[service]]\nname = \"a\"\ncommand = \"/y\"\n", "twice"},
        BadManifest{"zero_workers", "[[service]]\nname = \"a\"\ncommand = \"/x\"\nworkers = 0\n", "workers must be"},
        BadManifest{"bad_scheduler", "[[service]]\nname = \"a\"\ncommand = \"/x\"\nscheduler = \"rr\"\n", "scheduler must be"},
        BadManifest{"service_not_array", "service = 3\n", "array of tables"},
        BadManifest{"seccomp_unknown_syscall", "[[service]]\nname = \"a\"\ncommand = \"/x\"\n[service.hardening]\nseccomp = \"default\"\nseccomp_allow = [\"frobnicate\"]\n",
                    "'frobnicate' is not a syscall"},
        BadManifest{"seccomp_allow_not_strings", "[[service]]\nname = \"a\"\ncommand = \"/x\"\n[service.hardening]\nseccomp = \"default\"\nseccomp_allow = [1]\n",
                    "array of syscall names"},
        BadManifest{"seccomp_bad_profile", "[[service]]\nname = \"a\"\ncommand = \"/x\"\n[service.hardening]\nseccomp = \"lax\"\n", "seccomp must be"},
        BadManifest{"seccomp_bad_action", "[[service]]\nname = \"a\"\ncommand = \"/x\"\n[service.hardening]\nseccomp = \"default\"\nseccomp_action = \"log\"\n",
                    "seccomp_action must be"},
        BadManifest{"seccomp_allow_without_profile", "[[service]]\nname = \"a\"\ncommand = \"/x\"\n[service.hardening]\nseccomp_allow = [\"read\"]\n", "need seccomp ="}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(Manifest, SeccompDefaultsToNoFilterAndTheDefaultListIsKnownToLibseccomp) {
  CallResult<Manifest> plain = parse_manifest("[[service]]\nname = \"a\"\ncommand = \"/x\"\n");
  ASSERT_TRUE(plain) << plain.error().message();
  EXPECT_FALSE(plain->services[0].hardening.seccomp);
  for (const std::string_view name : default_service_syscalls()) {
    EXPECT_TRUE(platform::is_known_syscall(name)) << name;
  }
  EXPECT_FALSE(platform::is_known_syscall("frobnicate"));
}

TEST(Manifest, SeccompListsAndActionsParse) {
  CallResult<Manifest> m = parse_manifest(R"(
[[service]]
name = "a"
command = "/x"
[service.hardening]
seccomp = "default"
seccomp_allow = ["getcpu", "uname"]
[[service]]
name = "b"
command = "/x"
[service.hardening]
seccomp = "minimal"
seccomp_allow = ["read"]
seccomp_action = "kill"
)");
  ASSERT_TRUE(m) << m.error().message();
  const std::optional<SeccompPolicy>& a = m->services[0].hardening.seccomp;
  ASSERT_TRUE(a);
  EXPECT_EQ(a->allow.size(), default_service_syscalls().size() + 2);
  EXPECT_EQ(a->allow.back(), "uname");
  EXPECT_EQ(a->action, platform::SeccompAction::errno_eperm);
  const std::optional<SeccompPolicy>& b = m->services[1].hardening.seccomp;
  ASSERT_TRUE(b);
  EXPECT_EQ(b->allow, std::vector<std::string>{"read"});
  EXPECT_EQ(b->action, platform::SeccompAction::kill_process);
}

TEST(Manifest, AMissingFileIsNotFound) {
  CallResult<Manifest> m = load_manifest("/nonexistent/services.toml");
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, Errc::not_found);
}

}  // namespace
}  // namespace missive::service
