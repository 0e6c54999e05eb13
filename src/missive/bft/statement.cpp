#include "missive/bft/statement.hpp"

#include <algorithm>
#include <string_view>

namespace missive::bft {
namespace {

std::string_view domain_tag(Domain domain) noexcept {
  switch (domain) {
    case Domain::propose:
      return "missive/bft/propose";
    case Domain::acknowledge:
      return "missive/bft/ack";
  }
  return "missive/bft/invalid";
}

template <class Int>
void put_le(Statement& out, std::size_t offset, Int value) noexcept {
  for (std::size_t i = 0; i < sizeof(Int); ++i) {
    out[offset + i] = static_cast<std::byte>((static_cast<std::uint64_t>(value) >> (8 * i)) & 0xFFu);
  }
}

}  // namespace

Statement make_statement(Domain domain, const InstanceId& instance, const Digest& digest,
                         std::uint32_t version) noexcept {
  Statement out{};
  const std::string_view tag = domain_tag(domain);
  static_assert(domain_tag_size >= 20, "domain tags must fit");
  std::transform(tag.begin(), tag.end(), out.begin(), [](char c) { return static_cast<std::byte>(c); });
  put_le(out, 24, version);
  put_le(out, 28, instance.epoch);
  put_le(out, 36, instance.sender);
  put_le(out, 40, instance.sequence);
  std::copy(digest.begin(), digest.end(), out.begin() + 48);
  return out;
}

}  // namespace missive::bft
