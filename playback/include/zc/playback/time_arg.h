// Wall-clock times as people type them on the command line, and back.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace zc::playback {

// Accepts "2026-11-26T10:15:30Z", "2026-11-26T10:15:30.250Z", "2026-11-26 10:15:30" (UTC) and "@1764152130.25"
// (Unix seconds). Returns nanoseconds since the Unix epoch, or nullopt when the text is none of those.
std::optional<int64_t> parse_wall_time(const std::string& text);

// "2026-11-26T10:15:30.250Z"
std::string format_wall_time(int64_t wall_ns);

}  // namespace zc::playback
