#include "missive/platform/fd.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>

namespace missive::platform {
namespace {

bool is_open(int fd) { return ::fcntl(fd, F_GETFD) != -1 || errno != EBADF; }

int make_pipe_end(int* other) {
  int fds[2];
  EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  *other = fds[1];
  return fds[0];
}

TEST(Fd, ClosesOnDestructionAndReset) {
  int writer = -1;
  const int raw = make_pipe_end(&writer);
  {
    Fd fd(raw);
    EXPECT_TRUE(fd.valid());
    EXPECT_EQ(fd.get(), raw);
  }
  EXPECT_FALSE(is_open(raw));
  Fd w(writer);
  w.reset();
  EXPECT_FALSE(w);
  EXPECT_FALSE(is_open(writer));
}

TEST(Fd, MoveTransfersOwnershipOnce) {
  int writer = -1;
  const int raw = make_pipe_end(&writer);
  Fd w(writer);
  Fd a(raw);
  Fd b(std::move(a));
  EXPECT_FALSE(a.valid());  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
  EXPECT_EQ(b.get(), raw);
  Fd c;
  c = std::move(b);
  EXPECT_EQ(c.get(), raw);
  EXPECT_TRUE(is_open(raw));
  const int released = c.release();
  EXPECT_FALSE(c.valid());
  EXPECT_TRUE(is_open(released));
  ::close(released);
}

TEST(Fd, DuplicateIsCloseOnExecAndIndependent) {
  int writer = -1;
  Fd r(make_pipe_end(&writer));
  Fd w(writer);
  auto dup = w.duplicate();
  ASSERT_TRUE(dup) << dup.error().message();
  EXPECT_NE(dup->get(), w.get());
  EXPECT_TRUE((::fcntl(dup->get(), F_GETFD) & FD_CLOEXEC) != 0);
  w.reset();
  const char byte = 'x';
  EXPECT_EQ(::write(dup->get(), &byte, 1), 1);  // the duplicate still works
}

}  // namespace
}  // namespace missive::platform
