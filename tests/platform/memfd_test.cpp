#include "missive/platform/memfd.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "child_process.hpp"
#include "missive/platform/mapping.hpp"

namespace missive::platform {
namespace {

TEST(Memfd, HasTheSizeAndIsSealedAgainstResizing) {
  auto fd = create_memfd("missive-test", 12345);
  ASSERT_TRUE(fd) << fd.error().message();
  auto size = file_size(*fd);
  ASSERT_TRUE(size);
  EXPECT_EQ(*size, 12345u);
  auto seals = get_seals(*fd);
  ASSERT_TRUE(seals);
  EXPECT_NE(*seals & seal::shrink, 0u);
  EXPECT_NE(*seals & seal::grow, 0u);
  EXPECT_NE(::ftruncate(fd->get(), 100), 0);  // the kernel refuses: sealed
  EXPECT_EQ(errno, EPERM);
  EXPECT_NE(::ftruncate(fd->get(), 1 << 20), 0);
  EXPECT_TRUE((::fcntl(fd->get(), F_GETFD) & FD_CLOEXEC) != 0);
}

TEST(Memfd, GetSealsRejectsNonMemfd) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  Fd r(fds[0]);
  Fd w(fds[1]);
  EXPECT_EQ(get_seals(r).code(), Errc::invalid_argument);
  EXPECT_EQ(file_size(r).code(), Errc::invalid_argument);
}

TEST(Mapping, ReadWriteAndReadOnlyMappingsShareTheBytes) {
  auto fd = create_memfd("missive-test", 8192);
  ASSERT_TRUE(fd);
  auto rw = Mapping::map(*fd, 8192, Access::read_write);
  auto ro = Mapping::map(*fd, 8192, Access::read_only);
  ASSERT_TRUE(rw) << rw.error().message();
  ASSERT_TRUE(ro) << ro.error().message();
  EXPECT_EQ(ro->writable_bytes().size(), 0u);
  std::memcpy(rw->writable_bytes().data() + 100, "hello", 5);
  EXPECT_EQ(std::memcmp(ro->bytes().data() + 100, "hello", 5), 0);
  Mapping moved = std::move(*rw);
  EXPECT_TRUE(moved.valid());
  EXPECT_EQ(moved.size(), 8192u);
}

TEST(Mapping, FutureWriteSealForbidsNewWritableMappings) {
  auto fd = create_memfd("missive-test", 4096);
  ASSERT_TRUE(fd);
  auto before = Mapping::map(*fd, 4096, Access::read_write);
  ASSERT_TRUE(before);
  ASSERT_TRUE(add_seals(*fd, seal::future_write));
  // The mapping made before the seal stays writable...
  before->writable_bytes()[0] = std::byte{42};
  // ...but nobody can make a new writable one, nor write(2), nor mprotect a read-only one.
  EXPECT_EQ(Mapping::map(*fd, 4096, Access::read_write).code(), Errc::permission_denied);
  EXPECT_EQ(::pwrite(fd->get(), "x", 1, 0), -1);
  auto ro = Mapping::map(*fd, 4096, Access::read_only);
  ASSERT_TRUE(ro);
  EXPECT_EQ(ro->bytes()[0], std::byte{42});
  void* base = const_cast<std::byte*>(ro->bytes().data());
  EXPECT_NE(::mprotect(base, 4096, PROT_READ | PROT_WRITE), 0);
}

// Property: a store through a read-only mapping never lands; the process faults.
TEST(Mapping, StoreThroughReadOnlyMappingFaults) {
  auto fd = create_memfd("missive-test", 4096);
  ASSERT_TRUE(fd);
  auto ro = Mapping::map(*fd, 4096, Access::read_only);
  ASSERT_TRUE(ro);
  auto child = testing::Child::fork([&] {
    struct sigaction action {};
    // SIGSEGV seen: report it by exit code (sanitizers may keep their own handler otherwise).
    action.sa_handler = [](int) { ::_exit(77); };
    ::sigaction(SIGSEGV, &action, nullptr);
    volatile std::byte* target = const_cast<std::byte*>(ro->bytes().data());
    target[10] = std::byte{1};
    return 0;  // reached only if the store succeeded
  });
  const ExitStatus status = child.wait();
  EXPECT_TRUE((status.exited_normally() && status.code == 77) || status.signal == SIGSEGV)
      << "code " << status.code << " signal " << status.signal;
  EXPECT_EQ(ro->bytes()[10], std::byte{0});
}

TEST(Mapping, RejectsBadArguments) {
  auto fd = create_memfd("missive-test", 4096);
  ASSERT_TRUE(fd);
  EXPECT_EQ(Mapping::map(*fd, 0, Access::read_only).code(), Errc::invalid_argument);
  EXPECT_EQ(Mapping::map(*fd, 4096, Access::read_only, 100).code(), Errc::invalid_argument);
  EXPECT_EQ(Mapping::map(Fd(), 4096, Access::read_only).code(), Errc::invalid_argument);
}

}  // namespace
}  // namespace missive::platform
