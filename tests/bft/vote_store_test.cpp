// Vote stores: one digest per instance, durable across reopen, torn tails.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "missive/bft/vote_store.hpp"

namespace missive::bft {
namespace {

Digest digest_of(int fill) {
  Digest d{};
  d.fill(static_cast<std::byte>(fill));
  return d;
}

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/missive-bft-votes-XXXXXX";
    path_ = ::mkdtemp(pattern);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] std::string log() const { return path_ + "/" + FileVoteStore::file_name; }

 private:
  std::string path_;
};

void exercise_one_vote_per_instance(VoteStore& store) {
  const InstanceId i{1, 2, 3};
  EXPECT_FALSE(store.find(i));
  ASSERT_TRUE(store.record(i, digest_of(1)));
  EXPECT_EQ(store.find(i), digest_of(1));
  EXPECT_TRUE(store.record(i, digest_of(1)));  // the same vote again
  EXPECT_EQ(store.record(i, digest_of(2)).code(), Errc::equivocation);
  EXPECT_EQ(store.find(i), digest_of(1)) << "a refused vote changes nothing";
  EXPECT_FALSE(store.find(InstanceId{1, 2, 4}));
  EXPECT_FALSE(store.find(InstanceId{2, 2, 3}));
}

TEST(MemoryVoteStore, OneDigestPerInstance) {
  MemoryVoteStore store;
  exercise_one_vote_per_instance(store);
}

TEST(MemoryVoteStore, HighestSequencePerEpochAndSender) {
  MemoryVoteStore store;
  EXPECT_EQ(store.highest_sequence(1, 0), 0u);
  ASSERT_TRUE(store.record({1, 0, 3}, digest_of(1)));
  ASSERT_TRUE(store.record({1, 0, 9}, digest_of(1)));
  ASSERT_TRUE(store.record({1, 1, 20}, digest_of(1)));
  ASSERT_TRUE(store.record({2, 0, 50}, digest_of(1)));
  EXPECT_EQ(store.highest_sequence(1, 0), 9u);
  EXPECT_EQ(store.highest_sequence(1, 1), 20u);
  EXPECT_EQ(store.highest_sequence(1, 2), 0u);
  EXPECT_EQ(store.highest_sequence(2, 0), 50u);
  EXPECT_EQ(store.highest_sequence(0, 0), 0u);
}

TEST(FileVoteStore, OneDigestPerInstance) {
  TempDir dir;
  std::unique_ptr<FileVoteStore> store = *FileVoteStore::open(dir.path());
  exercise_one_vote_per_instance(*store);
}

TEST(FileVoteStore, VotesSurviveReopenAndStillRefuseAnotherDigest) {
  TempDir dir;
  {
    std::unique_ptr<FileVoteStore> store = *FileVoteStore::open(dir.path());
    ASSERT_TRUE(store->record({4, 1, 1}, digest_of(7)));
    ASSERT_TRUE(store->record({4, 1, 2}, digest_of(8)));
    ASSERT_TRUE(store->record({4, 3, 1}, digest_of(9)));
  }
  EXPECT_EQ(std::filesystem::file_size(dir.log()), 3 * FileVoteStore::entry_size);
  std::unique_ptr<FileVoteStore> reopened = *FileVoteStore::open(dir.path());
  EXPECT_EQ(reopened->find({4, 1, 2}), digest_of(8));
  EXPECT_EQ(reopened->record({4, 1, 2}, digest_of(1)).code(), Errc::equivocation);
  EXPECT_EQ(reopened->highest_sequence(4, 1), 2u);
  EXPECT_EQ(std::filesystem::file_size(dir.log()), 3 * FileVoteStore::entry_size) << "refused votes append nothing";
}

TEST(FileVoteStore, ATornTailIsCutOffAndTheVotesBeforeItKept) {
  TempDir dir;
  {
    std::unique_ptr<FileVoteStore> store = *FileVoteStore::open(dir.path());
    ASSERT_TRUE(store->record({1, 0, 1}, digest_of(1)));
    ASSERT_TRUE(store->record({1, 0, 2}, digest_of(2)));
  }
  std::filesystem::resize_file(dir.log(), 2 * FileVoteStore::entry_size - 10);  // crash mid-append
  {
    std::unique_ptr<FileVoteStore> store = *FileVoteStore::open(dir.path());
    EXPECT_EQ(store->find({1, 0, 1}), digest_of(1));
    EXPECT_FALSE(store->find({1, 0, 2}));
    ASSERT_TRUE(store->record({1, 0, 2}, digest_of(3)));  // this vote was never acknowledged
  }
  std::unique_ptr<FileVoteStore> store = *FileVoteStore::open(dir.path());
  EXPECT_EQ(store->find({1, 0, 2}), digest_of(3));
}

TEST(FileVoteStore, ADamagedEntryBeforeTheLastRefusesToOpen) {
  TempDir dir;
  {
    std::unique_ptr<FileVoteStore> store = *FileVoteStore::open(dir.path());
    ASSERT_TRUE(store->record({1, 0, 1}, digest_of(1)));
    ASSERT_TRUE(store->record({1, 0, 2}, digest_of(2)));
  }
  {
    std::fstream f(dir.log(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(30);
    f.put('\x7f');
  }
  EXPECT_EQ(FileVoteStore::open(dir.path()).code(), Errc::corrupted);
}

TEST(FileVoteStore, AMissingDirectoryIsAnError) {
  const auto missing = FileVoteStore::open("/nonexistent/missive/votes");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.code(), Errc::system_error) << missing.error().message();
}

}  // namespace
}  // namespace missive::bft

#include "missive/bft/echo_node.hpp"
#include "missive/bft/merkle.hpp"
#include "missive/bft/statement.hpp"
#include "test_support.hpp"

namespace missive::bft {
namespace {

// Property: a witness restarted on its vote log never acknowledges a second
// root for an instance it already acknowledged (the vote was durable before
// the ack was signed).
TEST(FileVoteStore, ARestartedWitnessOnItsLogRefusesToVoteTwice) {
  TempDir dir;
  const ClusterConfig config = testing::config_of(4, 1);
  auto proposal = [](std::string_view text) {
    const std::vector<Bytes> batch{testing::bytes_of(text)};
    const InstanceId id{7, 0, 1};
    return encode(Propose{id, batch, testing::keys_of(0).sign(make_statement(Domain::propose, id, merkle_root(batch)))});
  };
  Effects out;
  {
    auto witness = *EchoNode::create(config, 2, testing::keys_of(2), *FileVoteStore::open(dir.path()));
    ASSERT_TRUE(witness->on_message(0, proposal("A"), out));
    ASSERT_EQ(out.sends.size(), 1u);
  }
  out.clear();
  auto restarted = *EchoNode::create(config, 2, testing::keys_of(2), *FileVoteStore::open(dir.path()));
  EXPECT_EQ(restarted->on_message(0, proposal("B"), out).code(), Errc::equivocation);
  EXPECT_TRUE(out.sends.empty());
  ASSERT_TRUE(restarted->on_message(0, proposal("A"), out));  // the same root: acknowledged again
  EXPECT_EQ(out.sends.size(), 1u);
}

}  // namespace
}  // namespace missive::bft
