// missive/wire/wire.hpp - the whole wire layer in one include.
//
//   frame.hpp          frame header v1: encode, decode, validate
//   crc32c.hpp         the frame checksum (SSE4.2 or portable)
//   record_format.hpp  tags, wire types, RecordLimits
//   record_writer.hpp  RecordWriter: build records
//   record_view.hpp    RecordView: validate once, then read without failing
//   message.hpp        the encode()/decode() convention for typed messages
//   varint.hpp         LEB128 varints and zigzag
//
// The format is specified in docs/wire.md.
#pragma once

#include "missive/wire/crc32c.hpp"
#include "missive/wire/frame.hpp"
#include "missive/wire/message.hpp"
#include "missive/wire/record_format.hpp"
#include "missive/wire/record_view.hpp"
#include "missive/wire/record_writer.hpp"
#include "missive/wire/varint.hpp"
