// CLI11 validators over zc::units, for every command-line front end (zcrec's commands, zcrec bench): each
// duration, size and bit rate option reads its text as zcrecd's configuration and its API do (docs/cli.md,
// "Units"), so `--duration 1d` reads as `--preroll 1d`. Header-only: including it needs CLI11's headers, linking
// zc::units needs nothing more.
#pragma once

#include <zc/units/units.h>

#include <CLI/CLI.hpp>

#include <cinttypes>
#include <cstdio>
#include <string>

namespace zc::units {


// A duration ("5s", "250ms", "1.5m", "2min", "1h", "7d", "10us"; a bare number is seconds), handed on as seconds
// with nanosecond precision ("86400.000000000") for an option read into a double.
inline CLI::Validator seconds_with_unit() {
  return CLI::Validator(
      [](std::string& v) -> std::string {
        try {
          const int64_t ns = units::parse_duration_ns(v);
          char buf[48];
          std::snprintf(buf, sizeof buf, "%" PRId64 ".%09" PRId64, ns / 1'000'000'000, ns % 1'000'000'000);
          v = buf;
          return {};
        } catch (const units::UnitsError& e) {
          return e.what();
        }
      },
      "DURATION", "duration");
}

// A size ("64M", "512K", "1G", "64MiB", "4096"; binary: 1K = 1024 bytes), handed on as a whole number of bytes;
// 1 byte .. 8E (a larger one is a usage error, never a wrapped or saturated value).
inline CLI::Validator size_bytes() {
  return CLI::Validator(
      [](std::string& v) -> std::string {
        try {
          v = std::to_string(units::parse_size_bytes(v));
          return {};
        } catch (const units::UnitsError& e) {
          return e.what();
        }
      },
      "SIZE", "size");
}

// A bit rate ("500k", "4M", "2000000"; decimal: 1k = 1000 bit/s), handed on as a whole number of bit/s.
inline CLI::Validator bits_per_second() {
  return CLI::Validator(
      [](std::string& v) -> std::string {
        try {
          v = std::to_string(units::parse_bitrate_bps(v));
          return {};
        } catch (const units::UnitsError& e) {
          return e.what();
        }
      },
      "BITRATE", "bit rate");
}

// CLI::Range(min, max) for an option read as a number, with its own message for text that is not one: CLI11's
// Range says "Value abc not in range [1400 - 65535]" for `abc`, which reads as if a number had been given.
template <class T>
CLI::Validator in_range(T min, T max) {
  const CLI::Range range(min, max);
  return CLI::Validator(
      [range](std::string& v) -> std::string {
        double number = 0;
        if (!CLI::detail::lexical_cast(v, number)) return v + " is not a number";
        return range(v);
      },
      range.get_description(), "range");
}

}  // namespace zc::units
