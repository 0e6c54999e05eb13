// libFuzzer target: frame decoding (decode_header / decode_frame_prefix / decode_frame).
//
// Oracles besides "no crash, no sanitizer report":
//   - the three decoders agree with each other;
//   - tighter limits never accept what default limits reject;
//   - an accepted frame's payload lies inside the input;
//   - re-encoding the decoded fields and payload gives a frame that decodes
//     to the same, and byte-for-byte the input when the input had a plain
//     32-byte header with zero reserved bytes;
//   - a payload that parses as a record has consistent accessors.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "missive/wire/frame.hpp"
#include "missive/wire/record_view.hpp"
#include "wire_test_support.hpp"

namespace {

using namespace missive;

void require(bool condition) {
  if (!condition) std::abort();
}

bool reserved_bytes_zero(std::span<const std::byte> frame) {
  for (std::size_t i = 0; i < 4; ++i) {
    if (frame[frame_offset::reserved + i] != std::byte{0}) return false;
  }
  return true;
}

void check_reencoding(const FrameView& view, std::span<const std::byte> input) {
  std::vector<std::byte> again;
  require(append_frame(view.header.fields(), view.payload, again).has_value());
  const Result<FrameView> back = decode_frame(again);
  require(back.has_value());
  require(back->header.fields() == view.header.fields());
  require(std::ranges::equal(back->payload, view.payload));
  const std::span<const std::byte> frame = input.first(view.frame_size());
  if (view.header.header_length == frame_header_size && reserved_bytes_zero(frame)) {
    require(std::ranges::equal(again, frame));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {  // NOLINT(readability-identifier-naming)
  const std::span<const std::byte> input(reinterpret_cast<const std::byte*>(data), size);

  const Result<FrameHeader> header = decode_header(input);
  const Result<FrameView> prefix = decode_frame_prefix(input);
  const Result<FrameView> exact = decode_frame(input);

  if (!header) require(!prefix && prefix.code() == header.code());
  if (exact) require(prefix && exact->frame_size() == size);
  if (prefix) {
    require(header.has_value() && prefix->frame_size() == header->frame_size());
    require(prefix->frame_size() <= size);
    require(missive::testing::contains(input, prefix->payload));
    require(prefix->payload.size() == prefix->header.payload_length);
    require(exact.has_value() == (prefix->frame_size() == size));
    check_reencoding(*prefix, input);
    if (const Result<RecordView> record = RecordView::parse(prefix->payload)) {
      require(missive::testing::check_view(*record) == nullptr);
    }
  }

  const FrameLimits tight{64};
  if (decode_frame_prefix(input, tight)) require(prefix.has_value());
  return 0;
}
