// libFuzzer target: RecordView::parse and every accessor of an accepted view.
//
// Oracles besides "no crash, no sanitizer report":
//   - tighter limits never accept what default limits reject;
//   - on an accepted view, every accessor is consistent and in bounds
//     (missive::testing::check_view);
//   - re-encoding field by field gives back exactly the input (the format
//     has one encoding per record), and that re-encoding parses again.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "missive/wire/record_view.hpp"
#include "wire_test_support.hpp"

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {  // NOLINT(readability-identifier-naming)
  using namespace missive;
  const std::span<const std::byte> input(reinterpret_cast<const std::byte*>(data), size);

  const Result<RecordView> view = RecordView::parse(input);
  const RecordLimits tight{.max_bytes = 1024, .max_fields = 16, .max_depth = 3};
  if (RecordView::parse(input, tight)) require(view.has_value());
  if (!view) return 0;

  require(missive::testing::check_view(*view) == nullptr);
  const std::vector<std::byte> again = missive::testing::reencode(*view);
  require(std::ranges::equal(again, input));
  require(RecordView::parse(again).has_value());
  return 0;
}
