#include <zc/units/units.h>

#include <time.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <regex>

namespace zc::units {
namespace {

const std::map<std::string, double>& time_units() {
  static const std::map<std::string, double> units = {{"ns", 1e-9}, {"us", 1e-6}, {"ms", 1e-3}, {"s", 1.0},
                                                      {"m", 60.0},  {"min", 60.0}, {"h", 3600.0}, {"d", 86400.0}};
  return units;
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

UnitsError out_of_range(std::string_view text) {
  return UnitsError("'" + std::string(text) +
                    "' is outside 1677-09-22 .. 2262-04-11, the range of the catalog's nanosecond times");
}

// Times are int64 nanoseconds since 1970: a year like 1013 or +300000d must be refused, not wrap around.
int64_t in_range(__int128 ns, std::string_view text) {
  if (ns < INT64_MIN || ns > INT64_MAX) throw out_of_range(text);
  return static_cast<int64_t>(ns);
}

}  // namespace

int64_t seconds_to_duration_ns(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) throw UnitsError("a duration must be a non-negative number");
  const double ns = std::round(seconds * 1e9);
  if (ns > static_cast<double>(kMaxDurationNs)) throw UnitsError("a duration must be at most 100 years");
  return static_cast<int64_t>(ns);
}

int64_t parse_duration_ns(std::string_view text) {
  static const std::regex re(R"(\s*(\d+(?:\.\d*)?|\.\d+)\s*(ns|us|ms|s|m|min|h|d)?\s*)");
  std::cmatch m;
  if (!std::regex_match(text.begin(), text.end(), m, re)) {
    throw UnitsError("'" + std::string(text) + "' is not a duration (e.g. 5s, 250ms, 10m, 1h, 7d)");
  }
  const double unit = m[2].matched ? time_units().at(m[2].str()) : 1.0;
  return seconds_to_duration_ns(std::stod(m[1].str()) * unit);
}

int64_t parse_size_bytes(std::string_view text) {
  static const std::regex re(R"(\s*(\d+(?:\.\d*)?)\s*([kKmMgGtTpPeE]?)(?:i?[bB])?\s*)");
  std::cmatch m;
  if (!std::regex_match(text.begin(), text.end(), m, re)) {
    throw UnitsError("'" + std::string(text) + "' is not a size (e.g. 4096, 512K, 64M, 50G, 2T)");
  }
  static constexpr char kPrefixes[] = "kmgtpe";
  int shift = 0;
  if (m[2].length() == 1) {
    const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(m[2].str()[0])));
    for (int i = 0; kPrefixes[i] != 0; ++i)
      if (kPrefixes[i] == c) shift = 10 * (i + 1);
  }
  const double bytes = std::floor(std::stod(m[1].str()) * std::ldexp(1.0, shift));
  if (!(bytes >= 1)) throw UnitsError("a size must be at least 1 byte");
  if (bytes >= 9.2233720368547758e18) throw UnitsError("a size must be less than 8E");
  return static_cast<int64_t>(bytes);
}

int64_t parse_bitrate_bps(std::string_view text) {
  static const std::regex re(R"(\s*(\d+(?:\.\d*)?|\.\d+)\s*([kKmMgGtT]?)(?:bps|b/s)?\s*)", std::regex::icase);
  std::cmatch m;
  if (!std::regex_match(text.begin(), text.end(), m, re)) {
    throw UnitsError("'" + std::string(text) + "' is not a bit rate (e.g. 500k, 4M, 2000000; k = 1000 bit/s)");
  }
  double scale = 1;
  if (m[2].length() == 1) {
    switch (std::tolower(static_cast<unsigned char>(m[2].str()[0]))) {
      case 'k': scale = 1e3; break;
      case 'm': scale = 1e6; break;
      case 'g': scale = 1e9; break;
      case 't': scale = 1e12; break;
      default: break;
    }
  }
  const double bps = std::round(std::stod(m[1].str()) * scale);
  if (!(bps >= 1)) throw UnitsError("a bit rate must be at least 1 bit/s");
  if (bps > 1e12) throw UnitsError("a bit rate must be at most 1T bit/s");
  return static_cast<int64_t>(bps);
}

int64_t parse_time_ns(std::string_view text_view, int64_t now_wall_ns) {
  const std::string text(text_view);
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
      throw UnitsError("'" + text + "' is not a valid date and time");
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
  throw UnitsError("'" + text + "' is neither RFC 3339 (2026-11-26T10:00:00Z), 'now', nor relative (-10m, +30s)");
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

}  // namespace zc::units
