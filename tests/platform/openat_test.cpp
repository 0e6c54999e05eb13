// open_beneath: the kernel confines lookups to the root (openat2 RESOLVE_BENEATH).
#include "missive/platform/openat.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace missive::platform {
namespace {

namespace fs = std::filesystem;

// outside/secret.txt next to root/ {file.txt, sub/inner.txt, links...}.
class OpenBeneath : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "missive-openat-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    base_ = pattern;
    fs::create_directories(base_ / "root" / "sub");
    fs::create_directories(base_ / "outside");
    std::ofstream(base_ / "root" / "file.txt") << "inside";
    std::ofstream(base_ / "root" / "sub" / "inner.txt") << "inner";
    std::ofstream(base_ / "outside" / "secret.txt") << "secret";
    fs::create_symlink("sub/inner.txt", base_ / "root" / "link_inside");
    fs::create_symlink("../outside/secret.txt", base_ / "root" / "link_dotdot");
    fs::create_symlink(base_ / "outside" / "secret.txt", base_ / "root" / "link_absolute");
    fs::create_directory_symlink("../outside", base_ / "root" / "dir_link_out");
    auto root = open_directory((base_ / "root").string());
    ASSERT_TRUE(root) << root.error().message();
    root_ = std::move(*root);
  }
  void TearDown() override { fs::remove_all(base_); }

  static std::string read_all(const Fd& fd) {
    char buf[64];
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
  }

  fs::path base_;
  Fd root_;
};

TEST_F(OpenBeneath, OpensFilesAndDirectoriesInsideTheRoot) {
  auto file = open_beneath(root_, "file.txt");
  ASSERT_TRUE(file) << file.error().message();
  EXPECT_EQ(read_all(*file), "inside");
  auto nested = open_beneath(root_, "sub/inner.txt");
  ASSERT_TRUE(nested) << nested.error().message();
  EXPECT_EQ(read_all(*nested), "inner");
  EXPECT_TRUE(open_beneath(root_, "sub", OpenTarget::directory));
  EXPECT_TRUE(open_beneath(root_, ".", OpenTarget::directory));
  // ".." that stays inside the root is the kernel's business and is allowed.
  EXPECT_TRUE(open_beneath(root_, "sub/../file.txt"));
}

TEST_F(OpenBeneath, DescriptorsAreCloseOnExec) {
  auto file = open_beneath(root_, "file.txt");
  ASSERT_TRUE(file);
  EXPECT_NE(::fcntl(file->get(), F_GETFD) & FD_CLOEXEC, 0);
}

TEST_F(OpenBeneath, FollowsASymlinkThatStaysInside) {
  auto link = open_beneath(root_, "link_inside");
  ASSERT_TRUE(link) << link.error().message();
  EXPECT_EQ(read_all(*link), "inner");
  auto refused = open_beneath(root_, "link_inside", OpenTarget::any, FinalSymlink::refuse);
  EXPECT_EQ(refused.code(), Errc::permission_denied);
}

// Property: no spelling of a path reaches outside/secret.txt.
TEST_F(OpenBeneath, RefusesEveryEscape) {
  for (const char* escape : {"../outside/secret.txt", "sub/../../outside/secret.txt", "link_dotdot", "link_absolute",
                             "dir_link_out/secret.txt", "/etc/passwd"}) {
    auto fd = open_beneath(root_, escape);
    EXPECT_FALSE(fd) << escape << " was opened";
    EXPECT_EQ(fd.code(), Errc::permission_denied) << escape << ": " << fd.error().message();
  }
}

TEST_F(OpenBeneath, ASymlinkIntoProcIsRefused) {
  // A symlink to /proc/self would lead to /proc/self/root (a magic link to "/");
  // it is absolute, so RESOLVE_BENEATH refuses it before the magic link is met.
  fs::create_directory_symlink("/proc/self", base_ / "root" / "proc_link");
  EXPECT_EQ(open_beneath(root_, "proc_link/root/etc/passwd").code(), Errc::permission_denied);
}

TEST_F(OpenBeneath, MapsErrors) {
  EXPECT_EQ(open_beneath(root_, "missing").code(), Errc::not_found);
  EXPECT_EQ(open_beneath(root_, "file.txt", OpenTarget::directory).code(), Errc::invalid_argument);
  EXPECT_EQ(open_beneath(root_, "file.txt/x").code(), Errc::invalid_argument);
  EXPECT_EQ(open_beneath(root_, "").code(), Errc::invalid_argument);
  EXPECT_EQ(open_beneath(root_, std::string_view("file.txt\0x", 10)).code(), Errc::invalid_argument);
  EXPECT_EQ(open_beneath(root_, std::string(5000, 'a')).code(), Errc::invalid_argument);
  EXPECT_EQ(open_directory((base_ / "root" / "file.txt").string()).code(), Errc::invalid_argument);
  EXPECT_EQ(open_directory((base_ / "nope").string()).code(), Errc::not_found);
}

TEST_F(OpenBeneath, AFifoDoesNotBlockTheOpener) {
  ASSERT_EQ(::mkfifo((base_ / "root" / "fifo").c_str(), 0600), 0);
  auto fifo = open_beneath(root_, "fifo");  // O_NONBLOCK: returns at once instead of waiting for a writer
  EXPECT_TRUE(fifo) << fifo.error().message();
}

}  // namespace
}  // namespace missive::platform
