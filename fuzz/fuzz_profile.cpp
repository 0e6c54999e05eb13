// libFuzzer target: the machine profile parser (costmodel::parse_profile), which
// reads a file a user or another program may have written. Oracle: no crash
// and no sanitizer report (the parser's own range checks are unit-tested).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "missive/costmodel/profile.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {  // NOLINT(readability-identifier-naming)
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)missive::costmodel::parse_profile(text);
  return 0;
}
