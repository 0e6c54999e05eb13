// FsRoot: paths checked as text, then opened only beneath the root by the kernel.
#include "missive/services/fs_root.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <string>

#include "temp_dir.hpp"

namespace missive::services {
namespace {

namespace fs = std::filesystem;
constexpr std::string_view secret = "TOP-SECRET-OUTSIDE";

std::string text(const std::vector<std::byte>& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// base/
//   outside/secret.txt                  never reachable
//   root/hello.txt "hello, world"       root/empty  root/...  root/"we ird\nname"
//   root/sub/nested.txt  root/sub/up -> ../hello.txt (inside)
//   root/link_inside -> sub/nested.txt  root/dir_inside -> sub
//   root/link_absolute -> base/outside/secret.txt   root/link_dotdot -> ../outside/secret.txt
//   root/sub/link_out -> ../../outside/secret.txt   root/dir_out -> ../outside
//   root/fifo
class FsRootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const fs::path root = dir_.path() / "root";
    fs::create_directories(root / "sub");
    fs::create_directories(dir_.path() / "outside");
    std::ofstream(dir_.path() / "outside" / "secret.txt") << secret;
    std::ofstream(root / "hello.txt") << "hello, world";
    std::ofstream(root / "empty") << "";
    std::ofstream(root / "...") << "dots";
    std::ofstream(root / "we ird\nname") << "odd";
    std::ofstream(root / "sub" / "nested.txt") << "nested";
    fs::create_symlink("../hello.txt", root / "sub" / "up");
    fs::create_symlink("sub/nested.txt", root / "link_inside");
    fs::create_directory_symlink("sub", root / "dir_inside");
    fs::create_symlink(dir_.path() / "outside" / "secret.txt", root / "link_absolute");
    fs::create_symlink("../outside/secret.txt", root / "link_dotdot");
    fs::create_symlink("../../outside/secret.txt", root / "sub" / "link_out");
    fs::create_directory_symlink("../outside", root / "dir_out");
    ASSERT_EQ(::mkfifo((root / "fifo").c_str(), 0600), 0);
    auto opened = FsRoot::open((dir_.path() / "root").string(), limits_);
    ASSERT_TRUE(opened) << opened.error().message();
    root_.emplace(std::move(*opened));
  }

  testing::TempDir dir_;
  FsLimits limits_;
  std::optional<FsRoot> root_;
};

TEST(ValidatePath, TextRules) {
  const FsLimits limits;
  struct Case {
    std::string path;
    Errc expected;
  };
  const Case cases[] = {
      {"hello.txt", Errc::ok},
      {"sub/nested.txt", Errc::ok},
      {".", Errc::ok},
      {"...", Errc::ok},
      {"a..b/..c", Errc::ok},
      {"", Errc::invalid_argument},
      {std::string("a\0b", 3), Errc::invalid_argument},
      {std::string(limits.max_path_bytes + 1, 'a'), Errc::invalid_argument},
      {"/etc/passwd", Errc::permission_denied},
      {"/", Errc::permission_denied},
      {"..", Errc::permission_denied},
      {"../x", Errc::permission_denied},
      {"sub/..", Errc::permission_denied},
      {"sub/../hello.txt", Errc::permission_denied},
      {"./..", Errc::permission_denied},
      {"sub/../../x", Errc::permission_denied},
  };
  for (const Case& c : cases) {
    const Status status = validate_path(c.path, limits);
    EXPECT_EQ(status.code(), c.expected) << "path \"" << c.path << "\": " << status.error().message();
    if (!status) {
      EXPECT_STRNE(status.error().detail, "");
    }
  }
}

TEST_F(FsRootTest, StatReportsKindSizeAndPermissions) {
  ASSERT_EQ(::chmod((dir_.path() / "root" / "hello.txt").c_str(), 0640), 0);
  auto file = root_->stat("hello.txt");
  ASSERT_TRUE(file) << file.error().message();
  EXPECT_EQ(file->kind, FileKind::regular);
  EXPECT_EQ(file->size, 12u);
  EXPECT_EQ(file->permissions, 0640u);
  EXPECT_GT(file->mtime_ns, 0);
  auto dir = root_->stat(".");
  ASSERT_TRUE(dir);
  EXPECT_EQ(dir->kind, FileKind::directory);
  EXPECT_EQ(root_->stat("missing").code(), Errc::not_found);
}

TEST_F(FsRootTest, ListIsSortedAndReportsKindsWithoutFollowing) {
  auto listing = root_->list(".");
  ASSERT_TRUE(listing) << listing.error().message();
  EXPECT_FALSE(listing->truncated);
  std::vector<std::string> names;
  for (const DirEntry& e : listing->entries) names.push_back(e.name);
  const std::vector<std::string> expected = {"...",         "dir_inside", "dir_out",       "empty",
                                             "fifo",        "hello.txt",  "link_absolute", "link_dotdot",
                                             "link_inside", "sub",        "we ird\nname"};
  EXPECT_EQ(names, expected);
  EXPECT_EQ(listing->entries[1].kind, FileKind::symlink);
  EXPECT_EQ(listing->entries[4].kind, FileKind::other);
  EXPECT_EQ(listing->entries[5].kind, FileKind::regular);
  EXPECT_EQ(listing->entries[9].kind, FileKind::directory);

  auto sub = root_->list("dir_inside");  // an in-root symlink to a directory is followed
  ASSERT_TRUE(sub) << sub.error().message();
  ASSERT_EQ(sub->entries.size(), 3u);
  EXPECT_EQ(sub->entries[1].name, "nested.txt");
}

TEST_F(FsRootTest, ListStopsAtTheLimit) {
  FsLimits small;
  small.max_list_entries = 3;
  auto root = FsRoot::open((dir_.path() / "root").string(), small);
  ASSERT_TRUE(root);
  auto listing = root->list(".");
  ASSERT_TRUE(listing);
  EXPECT_EQ(listing->entries.size(), 3u);
  EXPECT_TRUE(listing->truncated);
}

TEST_F(FsRootTest, ReadHonoursOffsetLengthAndTheCap) {
  EXPECT_EQ(text(*root_->read("hello.txt", 0, 0)), "hello, world");
  EXPECT_EQ(text(*root_->read("hello.txt", 7, 3)), "wor");
  EXPECT_EQ(text(*root_->read("hello.txt", 7, 100)), "world");
  EXPECT_EQ(text(*root_->read("hello.txt", 12, 5)), "");
  EXPECT_EQ(text(*root_->read("hello.txt", ~std::uint64_t{0}, 5)), "");
  EXPECT_EQ(text(*root_->read("empty", 0, 0)), "");

  FsLimits capped;
  capped.max_read_bytes = 4;
  auto root = FsRoot::open((dir_.path() / "root").string(), capped);
  ASSERT_TRUE(root);
  EXPECT_EQ(text(*root->read("hello.txt", 0, 0)), "hell");
  EXPECT_EQ(text(*root->read("hello.txt", 0, 1000)), "hell");
}

TEST_F(FsRootTest, FollowsSymlinksThatStayInside) {
  EXPECT_EQ(text(*root_->read("link_inside", 0, 0)), "nested");
  EXPECT_EQ(text(*root_->read("sub/up", 0, 0)), "hello, world");
  EXPECT_EQ(text(*root_->read("dir_inside/nested.txt", 0, 0)), "nested");
  EXPECT_EQ(text(*root_->read("...", 0, 0)), "dots");
  EXPECT_EQ(text(*root_->read("we ird\nname", 0, 0)), "odd");
}

// Property: no path, whatever its spelling, returns a byte of outside/secret.txt;
// every attempt is refused with permission_denied, by the text check or the kernel.
TEST_F(FsRootTest, NeverEscapesTheRoot) {
  const std::string absolute_secret = (dir_.path() / "outside" / "secret.txt").string();
  for (const std::string& path : {std::string("link_absolute"), std::string("link_dotdot"), std::string("sub/link_out"),
                                  std::string("dir_out/secret.txt"), std::string("../outside/secret.txt"),
                                  std::string("sub/../../outside/secret.txt"), absolute_secret,
                                  std::string("dir_inside/../../outside/secret.txt")}) {
    auto data = root_->read(path, 0, 0);
    EXPECT_EQ(data.code(), Errc::permission_denied) << path << ": " << data.error().message();
    if (data) {
      EXPECT_NE(text(*data), secret) << path;
    }
    EXPECT_EQ(root_->stat(path).code(), Errc::permission_denied) << path;
    FsHandleTable handles(*root_);
    EXPECT_EQ(handles.open(path).code(), Errc::permission_denied) << path;
  }
  EXPECT_EQ(root_->list("dir_out").code(), Errc::permission_denied);
  EXPECT_EQ(root_->list("..").code(), Errc::permission_denied);
}

TEST_F(FsRootTest, HostileNamesAreRefusedWithAClearDetail) {
  for (const std::string& path : {std::string(""), std::string("hello.txt\0/../x", 15), std::string(5000, 'a'),
                                  std::string("/"), std::string("..")}) {
    auto data = root_->read(path, 0, 0);
    ASSERT_FALSE(data);
    EXPECT_TRUE(data.code() == Errc::invalid_argument || data.code() == Errc::permission_denied) << path;
    EXPECT_STRNE(data.error().detail, "");
  }
}

TEST_F(FsRootTest, OnlyRegularFilesAreReadAndOnlyDirectoriesListed) {
  EXPECT_EQ(root_->read("fifo", 0, 0).code(), Errc::invalid_argument);  // and it did not block
  EXPECT_EQ(root_->read("sub", 0, 0).code(), Errc::invalid_argument);
  EXPECT_EQ(root_->list("hello.txt").code(), Errc::invalid_argument);
  EXPECT_EQ(root_->read("hello.txt/x", 0, 0).code(), Errc::invalid_argument);
}

TEST_F(FsRootTest, HandleTableOpensReadsClosesAndKeepsItsLimit) {
  FsLimits limits;
  limits.max_open_handles = 2;
  auto root = FsRoot::open((dir_.path() / "root").string(), limits);
  ASSERT_TRUE(root);
  FsHandleTable handles(*root);
  auto a = handles.open("hello.txt");
  auto b = handles.open("sub/nested.txt");
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
  EXPECT_EQ(handles.open("empty").code(), Errc::rejected);
  EXPECT_EQ(text(*handles.read(*a, 7, 5)), "world");
  EXPECT_EQ(handles.stat(*b)->size, 6u);

  // The open file survives a rename behind its back: the handle names the file, not the path.
  fs::rename(dir_.path() / "root" / "hello.txt", dir_.path() / "root" / "renamed.txt");
  EXPECT_EQ(text(*handles.read(*a, 0, 5)), "hello");

  ASSERT_TRUE(handles.close(*a));
  EXPECT_EQ(handles.close(*a).code(), Errc::not_found);
  EXPECT_EQ(handles.read(*a, 0, 1).code(), Errc::not_found);
  EXPECT_EQ(handles.read(12345, 0, 1).code(), Errc::not_found);
  auto c = handles.open("empty");
  ASSERT_TRUE(c);
  EXPECT_NE(*c, *a);  // handles are not reused
  EXPECT_EQ(handles.open_count(), 2u);
  ASSERT_TRUE(handles.close(*c));
  EXPECT_EQ(handles.open("sub").code(), Errc::invalid_argument);  // a directory is not opened for reading
}

TEST(FsRoot, OpenRefusesWhatIsNotADirectory) {
  testing::TempDir dir;
  std::ofstream(dir.path() / "file") << "x";
  EXPECT_EQ(FsRoot::open((dir.path() / "file").string()).code(), Errc::invalid_argument);
  EXPECT_EQ(FsRoot::open((dir.path() / "nope").string()).code(), Errc::not_found);
}

}  // namespace
}  // namespace missive::services
