// A typed message in a checksummed frame, and what a receiver does with bytes
// it cannot trust. Compiled and run by ctest.
#include <cstdio>
#include <string>
#include <vector>

#include "missive/wire/frame.hpp"
#include "missive/wire/message.hpp"

struct FileRead {
  std::string path;
  std::uint64_t offset = 0;

  void encode(missive::RecordWriter& w) const { w.add_string(1, path).add_u64(2, offset); }
  static missive::Result<FileRead> decode(const missive::RecordView& r) {
    return FileRead{std::string(r.get_string(1)), r.get_u64(2)};
  }
};

int main() {
  // Sender: encode the record, wrap it in a frame (magic, version, lengths, CRC32C).
  const std::vector<std::byte> payload = missive::encode_message(FileRead{"docs/wire.md", 4096});
  std::vector<std::byte> frame;
  if (auto s = missive::append_frame({.flags = 0, .message_type = 7, .request_id = 42}, payload, frame); !s) {
    std::printf("encode failed: %s\n", s.error().message().c_str());
    return 1;
  }

  // Receiver: validate the frame, then the record, then use its own copy.
  auto view = missive::decode_frame(frame);
  if (!view) return 1;
  auto request = missive::decode_message<FileRead>(view->payload);
  if (!request) return 1;
  std::printf("request %llu: read %s at %llu\n", static_cast<unsigned long long>(view->header.request_id),
              request->path.c_str(), static_cast<unsigned long long>(request->offset));

  // A flipped bit anywhere is caught before anything is used.
  frame[frame.size() - 1] ^= std::byte{1};
  auto corrupted = missive::decode_frame(frame);
  std::printf("corrupted frame: %s\n", corrupted.error().message().c_str());
  return corrupted ? 1 : 0;
}
