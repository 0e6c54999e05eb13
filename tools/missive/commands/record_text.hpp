// record_text.hpp - wire records as text, for `missive call`.
//
// Fields on the command line: TAG:TYPE=VALUE with TYPE one of u64, i64,
// bool, str, hex (bytes), for example `1:str=hello 2:u64=42`.
// Replies print one field per line ("3 str: hello") or as JSON.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "missive/service/call_error.hpp"
#include "missive/wire/record_view.hpp"
#include "missive/wire/record_writer.hpp"

namespace missive::cli {

// Adds one TAG:TYPE=VALUE field; invalid_argument with the reason otherwise.
[[nodiscard]] service::CallResult<service::Done> add_field_text(RecordWriter& writer, std::string_view text);

// Indented lines, nested records indented further.
[[nodiscard]] std::string record_to_text(const RecordView& view, int indent = 0);
// {"1": 42, "2": "text", "3": {"hex": "00ff"}, "4": {...}}; repeated tags become arrays.
[[nodiscard]] nlohmann::json record_to_json(const RecordView& view);

}  // namespace missive::cli
