// Byte ranges of a representation of known length (RFC 9110 §14): which bytes a GET with Range asks for.
#pragma once

#include "http_message.h"

#include <cstdint>
#include <optional>
#include <string>

namespace zc::service::http {

struct ByteRange {
  int64_t first = 0, last = 0;  // inclusive
  int64_t length() const noexcept { return last - first + 1; }
};

struct RangeAnswer {
  enum class Kind { whole, partial, unsatisfiable } kind = Kind::whole;
  ByteRange range;  // partial only
};

// `ranges` as parse_ranges read the Range header (first/last -1 where absent). No range, several ranges (served
// whole: allowed, and no player asks for them) or an If-Range that does not match `etag` give the whole
// representation; a single range inside it is partial; a range starting at or past the end is unsatisfiable.
RangeAnswer resolve_range(const Ranges& ranges, const std::string& if_range, const std::string& etag,
                          int64_t size);

}  // namespace zc::service::http
