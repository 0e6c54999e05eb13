#include "missive/bft/vote_store.hpp"

#include <algorithm>
#include <array>

#include "missive/wire/crc32c.hpp"

namespace missive::bft {
namespace {

using Entry = std::array<std::byte, FileVoteStore::entry_size>;
constexpr std::size_t checked_size = FileVoteStore::entry_size - 4;

template <class Int>
void put_le(Entry& out, std::size_t offset, Int value) noexcept {
  for (std::size_t i = 0; i < sizeof(Int); ++i) {
    out[offset + i] = static_cast<std::byte>((static_cast<std::uint64_t>(value) >> (8 * i)) & 0xFFu);
  }
}

template <class Int>
Int get_le(std::span<const std::byte> in, std::size_t offset) noexcept {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < sizeof(Int); ++i) value |= std::uint64_t{std::to_integer<std::uint8_t>(in[offset + i])} << (8 * i);
  return static_cast<Int>(value);
}

Entry encode_entry(const InstanceId& instance, const Digest& digest) {
  Entry e{};
  put_le(e, 0, instance.epoch);
  put_le(e, 8, instance.sender);
  put_le(e, 12, instance.sequence);
  std::copy(digest.begin(), digest.end(), e.begin() + 20);
  put_le(e, checked_size, crc32c(std::span<const std::byte>(e).first(checked_size)));
  return e;
}

}  // namespace

std::optional<Digest> MemoryVoteStore::find(const InstanceId& instance) const {
  const auto it = votes_.find(instance);
  if (it == votes_.end()) return std::nullopt;
  return it->second;
}

Status MemoryVoteStore::record(const InstanceId& instance, const Digest& digest) {
  const auto [it, inserted] = votes_.emplace(instance, digest);
  if (!inserted && it->second != digest) {
    return Error{Errc::equivocation, "already voted for another digest in this instance"};
  }
  return ok();
}

std::uint64_t MemoryVoteStore::highest_sequence(std::uint64_t epoch, NodeId sender) const {
  // The map is ordered by (epoch, sender, sequence): the last entry before
  // (epoch, sender + 1, 0) is the highest of (epoch, sender), if any.
  const InstanceId after{epoch, sender, ~std::uint64_t{0}};
  auto it = votes_.upper_bound(after);
  if (it == votes_.begin()) return 0;
  --it;
  return (it->first.epoch == epoch && it->first.sender == sender) ? it->first.sequence : 0;
}

Result<std::unique_ptr<FileVoteStore>> FileVoteStore::open(const std::string& directory) {
  Result<platform::AppendFile> file = platform::AppendFile::open(directory + "/" + file_name);
  if (!file) return file.error();
  std::unique_ptr<FileVoteStore> store(new FileVoteStore(*std::move(file)));
  if (Status s = store->load(); !s) return s.error();
  return store;
}

Status FileVoteStore::load() {
  Result<std::vector<std::byte>> content = file_.read_all();
  if (!content) return content.error();
  const std::span<const std::byte> bytes(*content);
  const std::size_t whole = bytes.size() / entry_size;
  for (std::size_t i = 0; i < whole; ++i) {
    const std::span<const std::byte> e = bytes.subspan(i * entry_size, entry_size);
    if (crc32c(e.first(checked_size)) != get_le<std::uint32_t>(e, checked_size)) {
      if (i + 1 == whole && bytes.size() == whole * entry_size) {
        return file_.truncate_durably(i * entry_size);  // the last append was torn
      }
      return Error{Errc::corrupted, "vote log entry fails its checksum"};
    }
    const InstanceId instance{get_le<std::uint64_t>(e, 0), get_le<std::uint32_t>(e, 8), get_le<std::uint64_t>(e, 12)};
    Digest digest{};
    std::copy(e.begin() + 20, e.begin() + 52, digest.begin());
    if (!memory_.record(instance, digest)) return Error{Errc::corrupted, "vote log holds two digests for one instance"};
  }
  if (bytes.size() != whole * entry_size) return file_.truncate_durably(whole * entry_size);
  return ok();
}

std::optional<Digest> FileVoteStore::find(const InstanceId& instance) const { return memory_.find(instance); }

Status FileVoteStore::record(const InstanceId& instance, const Digest& digest) {
  if (const std::optional<Digest> prior = memory_.find(instance)) {
    if (*prior != digest) return Error{Errc::equivocation, "already voted for another digest in this instance"};
    return ok();
  }
  if (failed_) return Error{Errc::system_error, "vote log failed earlier; reopen the store"};
  const Entry entry = encode_entry(instance, digest);
  if (Status s = file_.append_durably(entry); !s) {
    failed_ = true;
    return s;
  }
  return memory_.record(instance, digest);
}

std::uint64_t FileVoteStore::highest_sequence(std::uint64_t epoch, NodeId sender) const {
  return memory_.highest_sequence(epoch, sender);
}

}  // namespace missive::bft
