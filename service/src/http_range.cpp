#include "http_range.h"

#include <algorithm>

namespace zc::service::http {

RangeAnswer resolve_range(const Ranges& ranges, const std::string& if_range, const std::string& etag,
                          int64_t size) {
  RangeAnswer a;
  // If-Range with a date, or another entity tag: the client's copy is not this one; send it all.
  if (ranges.size() != 1 || (!if_range.empty() && if_range != etag)) return a;
  const auto [first, last] = ranges.front();
  ByteRange r;
  if (first < 0) {  // suffix: the last `last` bytes
    if (last <= 0 || size == 0) return {RangeAnswer::Kind::unsatisfiable, {}};
    r = {std::max<int64_t>(0, size - last), size - 1};
  } else {
    if (first >= size) return {RangeAnswer::Kind::unsatisfiable, {}};
    if (last >= 0 && last < first) return a;  // invalid syntax is ignored, not refused (RFC 9110 14.2)
    r = {first, last < 0 ? size - 1 : std::min<int64_t>(last, size - 1)};
  }
  return {RangeAnswer::Kind::partial, r};
}

}  // namespace zc::service::http
