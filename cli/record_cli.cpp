#include "record_cli.h"

#include <time.h>

#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <regex>

namespace zc::cli::record {
namespace {

const std::map<std::string, double>& time_units() {
  static const std::map<std::string, double> units = {{"ns", 1e-9}, {"us", 1e-6}, {"ms", 1e-3}, {"s", 1.0},
                                                      {"m", 60.0},  {"min", 60.0}, {"h", 3600.0}, {"d", 86400.0}};
  return units;
}

constexpr double kMaxDurationSeconds = 100.0 * 365 * 86400;

int64_t seconds_text_to_ns(const std::string& text) {
  const double v = std::stod(text);
  return static_cast<int64_t>(v * 1e9 + (v >= 0 ? 0.5 : -0.5));
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's civil-days algorithm, from memory of
// the published maths, not copied code).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

CLI::ValidationError out_of_range(const std::string& text) {
  return CLI::ValidationError("time", "'" + text + "' is outside 1677-09-22 .. 2262-04-11, the range of the catalog's "
                                      "nanosecond times");
}

// Times are int64 nanoseconds since 1970: a year like 1013 or +300000d must be refused, not wrap around.
int64_t in_range(__int128 ns, const std::string& text) {
  if (ns < INT64_MIN || ns > INT64_MAX) throw out_of_range(text);
  return static_cast<int64_t>(ns);
}

}  // namespace

std::string default_storage_dir() {
  const char* env = std::getenv("ZCREC_DIR");
  return env != nullptr && *env != 0 ? env : "zcrec-data";
}

CLI::Option* add_dir_option(CLI::App* cmd, std::string& dir) {
  dir = default_storage_dir();
  return cmd->add_option("--dir", dir, "Storage directory (catalog.db + one folder per stream)")
      ->envname("ZCREC_DIR")
      ->capture_default_str();
}

CLI::Option* add_duration_option(CLI::App* cmd, const std::string& name, std::optional<int64_t>& ns,
                                 const std::string& description) {
  return cmd
      ->add_option_function<std::string>(
          name, [&ns](const std::string& v) { ns = seconds_text_to_ns(v); }, description)
      ->transform(CLI::AsNumberWithUnit(time_units(), CLI::AsNumberWithUnit::CASE_SENSITIVE, "DURATION"))
      ->check(CLI::Validator(
          [](std::string& v) {
            // Checked here, after the unit was applied: a value past 100 years would overflow nanoseconds.
            double s = 0;
            try {
              s = std::stod(v);
            } catch (const std::exception&) {
              return std::string("not a number");
            }
            if (!(s >= 0)) return std::string("must not be negative");
            if (s > kMaxDurationSeconds) return std::string("must be at most 100 years");
            return std::string();
          },
          "", "non-negative"));
}

CLI::Option* add_size_option(CLI::App* cmd, const std::string& name, std::optional<int64_t>& bytes,
                             const std::string& description) {
  return cmd
      ->add_option_function<std::string>(
          name, [&bytes](const std::string& v) { bytes = static_cast<int64_t>(std::stoull(v)); }, description)
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::Validator(
          [](std::string& v) {
            // Checked as the callback reads it (base-10 stoull): "0x10" must not pass here as 16 and then be
            // stored as 0, and "10E" (10 x 2^60) must not come out negative.
            size_t used = 0;
            unsigned long long b = 0;
            try {
              b = std::stoull(v, &used, 10);
            } catch (const std::exception&) {
              return std::string("must be a whole number of bytes below 8E");
            }
            if (used != v.size() || v.find('-') != std::string::npos)
              return std::string("must be a whole number of bytes");
            if (b == 0) return std::string("must be greater than zero");
            if (b > static_cast<unsigned long long>(INT64_MAX)) return std::string("must be less than 8E");
            return std::string();
          },
          "", "positive"));
}

int64_t parse_time_ns(const std::string& text, int64_t now_wall_ns) {
  if (text == "now") return now_wall_ns;
  static const std::regex relative(R"(([+-])(\d+(?:\.\d+)?)(ns|us|ms|s|m|min|h|d))");
  static const std::regex rfc3339(
      R"((\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2}))");
  std::smatch m;
  if (std::regex_match(text, m, relative)) {
    const double v = std::stod(m[2].str()) * time_units().at(m[3].str()) * 1e9;
    if (!(v < 9.2e18)) throw out_of_range(text);  // converting a larger double to int64_t is undefined
    return in_range(__int128{now_wall_ns} + (m[1].str() == "-" ? -1 : 1) * static_cast<int64_t>(v), text);
  }
  if (std::regex_match(text, m, rfc3339)) {
    const int64_t y = std::stoll(m[1].str());
    const unsigned mo = static_cast<unsigned>(std::stoul(m[2].str())), d = static_cast<unsigned>(std::stoul(m[3].str()));
    const int64_t hh = std::stoll(m[4].str()), mm = std::stoll(m[5].str()), ss = std::stoll(m[6].str());
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 60) {
      throw CLI::ValidationError("time", "'" + text + "' is not a valid date and time");
    }
    __int128 ns = __int128{days_from_civil(y, mo, d) * 86400 + hh * 3600 + mm * 60 + ss} * 1'000'000'000;
    if (m[7].matched) {
      std::string frac = m[7].str().substr(1);
      frac.resize(9, '0');
      ns += std::stoll(frac);
    }
    const std::string tz = m[8].str();
    if (tz != "Z" && tz != "z") {
      const int64_t off = (std::stoll(tz.substr(1, 2)) * 3600 + std::stoll(tz.substr(4, 2)) * 60) * 1'000'000'000;
      ns -= tz[0] == '+' ? off : -off;
    }
    return in_range(ns, text);
  }
  throw CLI::ValidationError("time", "'" + text + "' is neither RFC 3339 (2026-11-26T10:00:00Z), 'now', nor "
                                     "relative (-10m, +30s)");
}

CLI::Option* add_time_option(CLI::App* cmd, const std::string& name, std::string& text, const std::string& description) {
  return cmd->add_option(name, text, description)->check([](const std::string& v) -> std::string {
    try {
      parse_time_ns(v, 0);
      return {};
    } catch (const CLI::ValidationError& e) {
      return e.what();
    }
  });
}

std::string format_wall(int64_t wall_ns) {
  const time_t secs = static_cast<time_t>(wall_ns / 1'000'000'000 - (wall_ns % 1'000'000'000 < 0 ? 1 : 0));
  const int64_t ms = ((wall_ns % 1'000'000'000) + 1'000'000'000) % 1'000'000'000 / 1'000'000;
  tm t{};
  gmtime_r(&secs, &t);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday,
                t.tm_hour, t.tm_min, t.tm_sec, static_cast<int>(ms));
  return buf;
}

std::string format_seconds(int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f s", static_cast<double>(ns) / 1e9);
  return buf;
}

int64_t now_wall_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

int64_t now_mono_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace zc::cli::record
