// spawn(): programs start with a pidfd; failures before exec come back as
// errors, never as a silently broken child; hardening is applied.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <array>
#include <chrono>

#include "missive/platform/event_fd.hpp"
#include "missive/platform/poll.hpp"
#include "missive/platform/process.hpp"
#include "missive/platform/spawn.hpp"

namespace missive::platform {
namespace {

using namespace std::chrono_literals;

// Runs `script` with /bin/sh and returns its exit code.
int run_shell(const std::string& script, SpawnSpec spec = {}) {
  spec.argv = {"/bin/sh", "-c", script};
  Result<Child> child = spawn(spec);
  EXPECT_TRUE(child) << child.error().message();
  if (!child) return -1;
  Result<ExitStatus> status = wait_child(child->pidfd, Deadline::after(10s));
  EXPECT_TRUE(status);
  return status && status->exited_normally() ? status->code : -1;
}

TEST(Spawn, RunsAProgramAndReportsItsExitCode) {
  EXPECT_EQ(run_shell("exit 0"), 0);
  EXPECT_EQ(run_shell("exit 7"), 7);
}

TEST(Spawn, AMissingProgramIsNotFoundAndLeavesNoChild) {
  Result<Child> child = spawn(SpawnSpec{.argv = {"/nonexistent/program"}});
  ASSERT_FALSE(child);
  EXPECT_EQ(child.error(), Errc::not_found);
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);  // nothing left to reap
}

TEST(Spawn, ANonExecutableFileIsPermissionDenied) {
  char path[] = "/tmp/missive-spawn-test-XXXXXX";
  const int fd = ::mkstemp(path);  // mode 0600: no execute bit for anyone, root included
  ASSERT_GE(fd, 0);
  ::close(fd);
  Result<Child> child = spawn(SpawnSpec{.argv = {path}});
  ::unlink(path);
  ASSERT_FALSE(child);
  EXPECT_EQ(child.error(), Errc::permission_denied) << child.error().message();
}

TEST(Spawn, AnEmptyCommandIsInvalid) {
  Result<Child> child = spawn(SpawnSpec{});
  ASSERT_FALSE(child);
  EXPECT_EQ(child.error(), Errc::invalid_argument);
}

TEST(Spawn, TheEnvironmentIsAddedAndOverridden) {
  ::setenv("MISSIVE_SPAWN_TEST_A", "parent", 1);
  SpawnSpec spec;
  spec.env = {"MISSIVE_SPAWN_TEST_A=child", "MISSIVE_SPAWN_TEST_B=new"};
  EXPECT_EQ(run_shell("test \"$MISSIVE_SPAWN_TEST_A\" = child && test \"$MISSIVE_SPAWN_TEST_B\" = new", spec), 0);
  ::unsetenv("MISSIVE_SPAWN_TEST_A");
}

TEST(Spawn, LimitsAndNoNewPrivsAreApplied) {
  SpawnSpec spec;
  spec.limits.open_files = 17;
  spec.no_new_privs = true;
  EXPECT_EQ(run_shell("test \"$(ulimit -n)\" = 17 && grep -q '^NoNewPrivs:[[:space:]]*1' /proc/self/status", spec), 0);
}

TEST(Spawn, TheChildIsInItsOwnProcessGroupWithStdinFromDevNull) {
  EXPECT_EQ(run_shell("test \"$(ps -o pgid= -p $$ | tr -d ' ')\" = \"$$\" && test \"$(readlink /proc/self/fd/0)\" = /dev/null"), 0);
}

TEST(Spawn, ThePidfdSeesAKilledChild) {
  Result<Child> child = spawn(SpawnSpec{.argv = {"/bin/sleep", "30"}});
  ASSERT_TRUE(child);
  ASSERT_TRUE(send_signal(child->pidfd, SIGKILL));
  Result<ExitStatus> status = wait_child(child->pidfd, Deadline::after(5s));
  ASSERT_TRUE(status);
  EXPECT_EQ(status->signal, SIGKILL);
}

TEST(PollReadable, ReportsWhichDescriptorsAreReady) {
  Result<EventFd> a = EventFd::create();
  Result<EventFd> b = EventFd::create();
  ASSERT_TRUE(a && b);
  const std::array<int, 2> fds{a->fd().get(), b->fd().get()};
  std::array<bool, 2> ready{};
  Status none = poll_readable(fds, ready, Deadline::after(10ms));
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error(), Errc::timed_out);
  ASSERT_TRUE(b->signal());
  ASSERT_TRUE(poll_readable(fds, ready, Deadline::after(1s)));
  EXPECT_FALSE(ready[0]);
  EXPECT_TRUE(ready[1]);
}

}  // namespace
}  // namespace missive::platform
