#include "missive/platform/process.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "child_process.hpp"
#include "missive/platform/credentials.hpp"
#include "missive/platform/unix_socket.hpp"

namespace missive::platform {
namespace {

using namespace std::chrono_literals;

TEST(Pidfd, ReportsAForkedChildsExit) {
  auto child = testing::Child::fork([] {
    std::this_thread::sleep_for(50ms);
    return 7;
  });
  auto exited = process_exited(child.pidfd());
  ASSERT_TRUE(exited);
  EXPECT_FALSE(*exited);
  EXPECT_TRUE(wait_process_exit(child.pidfd(), Deadline::after(5s)));
  exited = process_exited(child.pidfd());
  ASSERT_TRUE(exited);
  EXPECT_TRUE(*exited);  // a zombie counts as exited
  const ExitStatus status = child.wait();
  EXPECT_TRUE(status.exited_normally());
  EXPECT_EQ(status.code, 7);
}

TEST(Pidfd, WaitTimesOutWhileTheChildLives) {
  auto child = testing::Child::fork([] {
    ::pause();
    return 0;
  });
  EXPECT_EQ(wait_process_exit(child.pidfd(), Deadline::after(20ms)).code(), Errc::timed_out);
  EXPECT_EQ(wait_child(child.pidfd(), Deadline::after(1ms)).code(), Errc::timed_out);
  ASSERT_TRUE(send_signal(child.pidfd(), SIGKILL));
  const ExitStatus status = child.wait();
  EXPECT_FALSE(status.exited_normally());
  EXPECT_EQ(status.signal, SIGKILL);
}

TEST(Pidfd, OpenOfAGoneProcessIsPeerDied) {
  pid_t gone = 0;
  {
    auto child = testing::Child::fork([] { return 0; });
    gone = child.pid();
    EXPECT_TRUE(child.succeeded());
  }
  // The pid is free now (reaped). A new process could take it in theory; in
  // this short window that would take a pid wrap-around.
  EXPECT_EQ(pidfd_open(gone).code(), Errc::peer_died);
}

TEST(PeerCredentials, MatchThisProcessOverASocketPair) {
  auto pair = socket_pair(SocketType::stream);
  ASSERT_TRUE(pair);
  auto cred = peer_credentials(pair->first);
  ASSERT_TRUE(cred) << cred.error().message();
  EXPECT_EQ(cred->pid, ::getpid());
  EXPECT_EQ(cred->uid, ::getuid());
  EXPECT_EQ(cred->gid, ::getgid());
}

// Property: the server learns the child's real pid and can watch it die.
TEST(PeerCredentials, NameAForkedClientAndItsPidfdSeesItExit) {
  const std::string name = "@missive-test-cred-" + std::to_string(::getpid());
  auto listener = listen_unix(name, SocketType::seqpacket);
  ASSERT_TRUE(listener);
  auto child = testing::Child::fork([&] {
    auto conn = connect_unix(name, SocketType::seqpacket, Deadline::after(5s));
    if (!conn) return 1;
    char byte = 0;
    (void)::recv(conn->get(), &byte, 1, 0);  // wait until the parent is done looking
    return 0;
  });
  auto server = accept_unix(*listener, Deadline::after(5s));
  ASSERT_TRUE(server);
  auto cred = peer_credentials(*server);
  ASSERT_TRUE(cred);
  EXPECT_EQ(cred->pid, child.pid());
  EXPECT_EQ(cred->uid, ::getuid());
  auto pidfd = peer_pidfd(*server);
  ASSERT_TRUE(pidfd) << pidfd.error().message();
  EXPECT_FALSE(*process_exited(*pidfd));
  server->reset();  // the child's recv returns: it exits
  EXPECT_TRUE(wait_process_exit(*pidfd, Deadline::after(5s)));
  EXPECT_TRUE(child.succeeded());
}

}  // namespace
}  // namespace missive::platform
