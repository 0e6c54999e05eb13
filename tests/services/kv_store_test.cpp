// KvStore: round trips, recovery of torn and corrupt tails, limits, compaction.
#include "missive/services/kv_store.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

#include "missive/services/detail/kv_log_format.hpp"
#include "temp_dir.hpp"

namespace missive::services {
namespace {

namespace fs = std::filesystem;

std::unique_ptr<KvStore> open_store(const testing::TempDir& dir, const KvLimits& limits = {}) {
  auto store = KvStore::open(dir.str(), limits);
  EXPECT_TRUE(store) << store.error().message();
  return store ? std::move(*store) : nullptr;
}

// prefix + number, built by appending (GCC 12 warns falsely, -Wrestrict, on "literal" + std::string).
std::string numbered(std::string_view prefix, int number) {
  std::string out(prefix);
  out += std::to_string(number);
  return out;
}

std::string log_path(const testing::TempDir& dir) { return (dir.path() / "kv.log").string(); }

std::vector<std::byte> file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> bytes(chars.size());
  std::memcpy(bytes.data(), chars.data(), chars.size());
  return bytes;
}

void flip_byte(const std::string& path, std::uint64_t offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.get(c);
  f.seekp(static_cast<std::streamoff>(offset));
  f.put(static_cast<char>(c ^ 0x40));
}

std::uint64_t record_size(std::string_view key, std::string_view value) {
  return detail::kv_record_prefix_bytes + detail::kv_body_fixed_bytes + key.size() + value.size();
}

TEST(KvStore, PutGetEraseRoundTrip) {
  testing::TempDir dir;
  auto store = open_store(dir);
  ASSERT_TRUE(store);
  EXPECT_EQ(store->get("a").code(), Errc::not_found);
  ASSERT_TRUE(store->put("a", "1"));
  ASSERT_TRUE(store->put("b", ""));
  ASSERT_TRUE(store->put("a", "2"));
  EXPECT_EQ(*store->get("a"), "2");
  EXPECT_EQ(*store->get("b"), "");
  ASSERT_TRUE(store->erase("a"));
  EXPECT_EQ(store->get("a").code(), Errc::not_found);
  EXPECT_EQ(store->size(), 1u);
  const std::string binary_key("k\0\xff", 3);
  const std::string binary_value("\0\1\2\0", 4);
  ASSERT_TRUE(store->put(binary_key, binary_value));
  EXPECT_EQ(*store->get(binary_key), binary_value);
}

// The durability rule, checked from outside the store: when put()/erase()
// return ok the record is already in kv.log (read through another descriptor)
// and one fdatasync has completed for it.
TEST(KvStore, AnAcknowledgedWriteIsInTheLogAndSyncedBeforeItReturns) {
  testing::TempDir dir;
  auto store = open_store(dir);
  ASSERT_TRUE(store);
  for (int i = 0; i < 3; ++i) {
    const std::string key = numbered("key", i);
    const std::uint64_t syncs_before = store->data_syncs();
    ASSERT_TRUE(store->put(key, "value"));
    EXPECT_EQ(store->data_syncs(), syncs_before + 1);
    const std::vector<std::byte> bytes = file_bytes(log_path(dir));
    const std::uint64_t size = record_size(key, "value");
    ASSERT_GE(bytes.size(), size);
    auto last = detail::parse_kv_record(std::span(bytes).last(size));
    ASSERT_TRUE(last) << last.error().message();
    EXPECT_EQ(last->key, key);
    EXPECT_EQ(last->value, "value");
  }
  const std::uint64_t syncs_before = store->data_syncs();
  ASSERT_TRUE(store->erase("key1"));
  EXPECT_EQ(store->data_syncs(), syncs_before + 1);
  const std::vector<std::byte> bytes = file_bytes(log_path(dir));
  auto last = detail::parse_kv_record(std::span(bytes).last(record_size("key1", "")));
  ASSERT_TRUE(last);
  EXPECT_EQ(last->op, detail::KvOp::erase);
}

TEST(KvStore, ScanIsInKeyOrderWithinBoundsAndLimit) {
  testing::TempDir dir;
  auto store = open_store(dir);
  ASSERT_TRUE(store);
  for (const char* key : {"d", "a", "c", "e", "b"}) ASSERT_TRUE(store->put(key, std::string(key) + "!"));
  auto all = store->scan("", "", 0);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->entries.size(), 5u);
  EXPECT_EQ(all->entries[0], (KvEntry{"a", "a!"}));
  EXPECT_EQ(all->entries[4].key, "e");
  EXPECT_FALSE(all->more);
  auto range = store->scan("b", "e", 0);
  ASSERT_TRUE(range);
  ASSERT_EQ(range->entries.size(), 3u);
  EXPECT_EQ(range->entries[2].key, "d");
  auto limited = store->scan("b", "", 2);
  ASSERT_TRUE(limited);
  ASSERT_EQ(limited->entries.size(), 2u);
  EXPECT_EQ(limited->entries[1].key, "c");
  EXPECT_TRUE(limited->more);
  EXPECT_EQ(store->scan("e", "b", 0).code(), Errc::invalid_argument);

  KvLimits capped;
  capped.max_scan_entries = 2;
  store.reset();
  store = open_store(dir, capped);
  ASSERT_TRUE(store);
  EXPECT_EQ(store->scan("", "", 100)->entries.size(), 2u);
}

// Bad input gets a clear error and changes nothing: not the map, not the log.
TEST(KvStore, LimitsAreEnforcedAndChangeNothing) {
  testing::TempDir dir;
  KvLimits limits;
  limits.max_key_bytes = 8;
  limits.max_value_bytes = 16;
  auto store = open_store(dir, limits);
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->put("k", "v"));
  const std::uint64_t log_before = store->log_bytes();
  EXPECT_EQ(store->put("", "v").code(), Errc::invalid_argument);
  EXPECT_EQ(store->put("123456789", "v").code(), Errc::too_large);
  EXPECT_EQ(store->put("k", std::string(17, 'x')).code(), Errc::too_large);
  EXPECT_EQ(store->erase("missing").code(), Errc::not_found);
  EXPECT_EQ(store->get("123456789").code(), Errc::too_large);
  EXPECT_EQ(store->log_bytes(), log_before);
  EXPECT_EQ(fs::file_size(log_path(dir)), log_before);
  EXPECT_EQ(*store->get("k"), "v");
}

TEST(KvStore, RecoversEverythingAfterReopen) {
  testing::TempDir dir;
  {
    auto store = open_store(dir);
    ASSERT_TRUE(store);
    for (int i = 0; i < 200; ++i) ASSERT_TRUE(store->put(numbered("key", i % 50), numbered("v", i)));
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(store->erase(numbered("key", i)));
  }
  auto store = open_store(dir);
  ASSERT_TRUE(store);
  EXPECT_EQ(store->recovery().records_replayed, 210u);
  EXPECT_EQ(store->recovery().bytes_dropped, 0u);
  EXPECT_EQ(store->size(), 40u);
  EXPECT_EQ(store->get("key3").code(), Errc::not_found);
  EXPECT_EQ(*store->get("key10"), "v160");
  EXPECT_EQ(*store->get("key49"), "v199");
}

// Reopens after `damage` was done to a log holding a=1, b=2, c=3; expects a
// and b, not c, `dropped` bytes reported, and a log that works afterwards.
void expect_recovered_to_b(const testing::TempDir& dir, std::uint64_t dropped) {
  auto store = open_store(dir);
  ASSERT_TRUE(store);
  EXPECT_EQ(store->recovery().bytes_dropped, dropped);
  EXPECT_EQ(store->recovery().records_replayed, 2u);
  EXPECT_EQ(*store->get("a"), "1");
  EXPECT_EQ(*store->get("b"), "2");
  EXPECT_EQ(store->get("c").code(), Errc::not_found);
  const std::uint64_t good_end = detail::kv_log_magic.size() + 2 * record_size("a", "1");
  EXPECT_EQ(fs::file_size(log_path(dir)), good_end);  // the tail was cut off the file
  ASSERT_TRUE(store->put("d", "4"));
  store.reset();
  auto again = open_store(dir);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->recovery().bytes_dropped, 0u);
  EXPECT_EQ(*again->get("d"), "4");
  EXPECT_EQ(again->size(), 3u);
}

void write_abc(const testing::TempDir& dir) {
  auto store = open_store(dir);
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->put("a", "1"));
  ASSERT_TRUE(store->put("b", "2"));
  ASSERT_TRUE(store->put("c", "3"));
}

TEST(KvStoreRecovery, TornTailIsCutAtTheLastGoodRecord) {
  for (std::uint64_t cut : {1u, 4u, 8u, 12u}) {  // inside the prefix, the crc, the body
    testing::TempDir dir;
    write_abc(dir);
    const std::uint64_t size = fs::file_size(log_path(dir));
    fs::resize_file(log_path(dir), size - cut);
    expect_recovered_to_b(dir, record_size("c", "3") - cut);
  }
}

TEST(KvStoreRecovery, AFlippedByteInTheLastRecordDropsIt) {
  const std::uint64_t record = record_size("c", "3");
  for (std::uint64_t at = 0; at < record; ++at) {  // every byte of the record: length, crc, op, key, value
    testing::TempDir dir;
    write_abc(dir);
    const std::uint64_t size = fs::file_size(log_path(dir));
    flip_byte(log_path(dir), size - record + at);
    expect_recovered_to_b(dir, record);
  }
}

TEST(KvStoreRecovery, GarbageAfterTheLastRecordIsDropped) {
  testing::TempDir dir;
  write_abc(dir);
  {
    std::ofstream out(log_path(dir), std::ios::app | std::ios::binary);
    out << "garbage!";
  }
  auto store = open_store(dir);
  ASSERT_TRUE(store);
  EXPECT_EQ(store->recovery().bytes_dropped, 8u);
  EXPECT_EQ(*store->get("c"), "3");
}

// Documented behaviour: corruption in the middle (damaged media, not a crash)
// loses the records after it, and says how many bytes.
TEST(KvStoreRecovery, CorruptionInTheMiddleDropsEverythingAfterIt) {
  testing::TempDir dir;
  write_abc(dir);
  flip_byte(log_path(dir), detail::kv_log_magic.size() + record_size("a", "1") + 9);  // b's key_length
  auto store = open_store(dir);
  ASSERT_TRUE(store);
  EXPECT_EQ(store->recovery().bytes_dropped, 2 * record_size("a", "1"));
  EXPECT_EQ(store->size(), 1u);
}

TEST(KvStoreRecovery, AForeignFileIsRefusedAndLeftAlone) {
  testing::TempDir dir;
  std::ofstream(log_path(dir)) << "not a missive log at all";
  EXPECT_EQ(KvStore::open(dir.str()).code(), Errc::corrupted);
  EXPECT_EQ(fs::file_size(log_path(dir)), 24u);
}

TEST(KvStore, OneProcessAtATime) {
  testing::TempDir dir;
  auto first = open_store(dir);
  ASSERT_TRUE(first);
  EXPECT_EQ(KvStore::open(dir.str()).code(), Errc::rejected);
  first.reset();
  EXPECT_TRUE(KvStore::open(dir.str()));
}

TEST(KvStore, CompactionKeepsLiveEntriesAndShrinksTheLog) {
  testing::TempDir dir;
  {
    auto store = open_store(dir);
    ASSERT_TRUE(store);
    for (int i = 0; i < 300; ++i) ASSERT_TRUE(store->put(numbered("key", i % 10), std::string(100, 'x')));
    ASSERT_TRUE(store->erase("key0"));
    const std::uint64_t before = store->log_bytes();
    ASSERT_TRUE(store->compact());
    EXPECT_LT(store->log_bytes(), before / 20);
    EXPECT_EQ(fs::file_size(log_path(dir)), store->log_bytes());
    ASSERT_TRUE(store->put("after", "compaction"));
  }
  std::ofstream(dir.path() / "kv.log.new") << "a compaction cut short";  // as a crash would leave it
  auto store = open_store(dir);
  ASSERT_TRUE(store);
  EXPECT_EQ(store->recovery().bytes_dropped, 0u);
  EXPECT_EQ(store->size(), 10u);
  EXPECT_EQ(store->get("key0").code(), Errc::not_found);
  EXPECT_EQ(*store->get("after"), "compaction");
  EXPECT_FALSE(fs::exists(dir.path() / "kv.log.new"));
}

// Property: puts from two threads are all applied and all durable (no record
// interleaved with another: every one replays after reopen).
TEST(KvStore, ConcurrentPutsAreAllDurable) {
  testing::TempDir dir;
  {
    auto store = open_store(dir);
    ASSERT_TRUE(store);
    auto writer = [&](int thread) {
      for (int i = 0; i < 50; ++i) EXPECT_TRUE(store->put(numbered(numbered("t", thread) + "-", i), "v"));
    };
    std::thread a(writer, 0);
    std::thread b(writer, 1);
    a.join();
    b.join();
    EXPECT_EQ(store->size(), 100u);
  }
  auto store = open_store(dir);
  ASSERT_TRUE(store);
  EXPECT_EQ(store->size(), 100u);
  EXPECT_EQ(store->recovery().bytes_dropped, 0u);
}

// Figures, not a check: MISSIVE_SERVICES_FIGURES=1 prints the cost of one
// durable put (append + fdatasync) on this machine's disk, and of a get.
TEST(KvStoreFigures, DurablePutLatency) {
  // NOLINTNEXTLINE(concurrency-mt-unsafe): no other thread runs
  if (std::getenv("MISSIVE_SERVICES_FIGURES") == nullptr) GTEST_SKIP() << "set MISSIVE_SERVICES_FIGURES=1";
  testing::TempDir dir;
  auto store = open_store(dir);
  ASSERT_TRUE(store);
  constexpr int puts = 500;
  std::vector<double> put_us;
  const std::string value(100, 'v');
  for (int i = 0; i < puts; ++i) {
    const auto start = std::chrono::steady_clock::now();
    ASSERT_TRUE(store->put(numbered("key", i), value));
    put_us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
  }
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < puts; ++i) ASSERT_TRUE(store->get(numbered("key", i)));
  const double get_us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() / puts;
  std::sort(put_us.begin(), put_us.end());
  std::printf("durable put (100 B value), %d puts: median %.1f us, p90 %.1f us, p99 %.1f us; get %.2f us\n", puts,
              put_us[puts / 2], put_us[puts * 9 / 10], put_us[puts * 99 / 100], get_us);
}

}  // namespace
}  // namespace missive::services
