// Durations, sizes and wall-clock times as text: one parser for every front end (CLI options, zcrecd's YAML
// config, JSON fields of the HTTP API). All results are int64 nanoseconds or bytes; every refusal is a
// UnitsError whose message says what was expected, never a wrapped or truncated value.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace zc::units {

class UnitsError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

inline constexpr int64_t kMaxDurationNs = int64_t{100} * 365 * 86400 * 1'000'000'000;  // 100 years

// "5s", "250ms", "1.5m", "2min", "1h", "7d", "10us", "100ns"; a bare number is seconds. 0 .. 100 years.
int64_t parse_duration_ns(std::string_view text);
// Seconds as a JSON/YAML number (5, 0.25) → nanoseconds, same range as parse_duration_ns.
int64_t seconds_to_duration_ns(double seconds);

// "64M", "50G", "512K", "1T", "4096", "64MiB", "64MB"; binary units (1K = 1024), case-insensitive.
// 1 byte .. INT64_MAX.
int64_t parse_size_bytes(std::string_view text);

// Bit rates: "4M", "500k", "1.5M", "2000000", "4Mbps", "4Mb/s"; decimal units (1k = 1000 bit/s, as every
// encoder and network counts them), case-insensitive. Sizes above are binary: "1M" is 1048576 bytes but
// 1000000 bit/s. 1 bit/s .. 1T bit/s.
int64_t parse_bitrate_bps(std::string_view text);

// RFC 3339 ("2026-11-26T10:00:00Z", "2026-11-26T12:00:00.5+02:00"), "now", or relative to now ("-15s", "-10m",
// "+30s"). Nanoseconds since the Unix epoch, within 1677-09-22 .. 2262-04-11.
int64_t parse_time_ns(std::string_view text, int64_t now_wall_ns);

// "2026-11-26T10:00:00.123Z"
std::string format_wall(int64_t wall_ns);

}  // namespace zc::units
