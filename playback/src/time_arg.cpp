#include <zc/playback/time_arg.h>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <ctime>

namespace zc::playback {
namespace {

// Digits after a decimal point as nanoseconds ("25" -> 250'000'000); nullopt on anything else.
std::optional<int64_t> fraction_ns(const std::string& digits) {
  if (digits.empty() || digits.size() > 9) return std::nullopt;
  int64_t v = 0;
  for (char c : digits) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  for (size_t i = digits.size(); i < 9; ++i) v *= 10;
  return v;
}

// Nanoseconds since 1970 hold 1677..2262: seconds beyond are refused, not multiplied past INT64_MAX.
std::optional<int64_t> in_range(int64_t secs, int64_t frac_ns) {
  constexpr int64_t kMaxSeconds = INT64_MAX / 1'000'000'000 - 1;
  if (secs > kMaxSeconds || secs < -kMaxSeconds) return std::nullopt;
  return secs * 1'000'000'000 + frac_ns;
}

std::optional<int64_t> parse_unix(const std::string& s) {
  const auto dot = s.find('.');
  const std::string whole = s.substr(0, dot);
  if (whole.empty() || whole.size() > 11) return std::nullopt;
  int64_t secs = 0;
  for (char c : whole) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    secs = secs * 10 + (c - '0');
  }
  int64_t frac = 0;
  if (dot != std::string::npos) {
    auto f = fraction_ns(s.substr(dot + 1));
    if (!f) return std::nullopt;
    frac = *f;
  }
  return in_range(secs, frac);
}

}  // namespace

std::optional<int64_t> parse_wall_time(const std::string& text) {
  if (!text.empty() && text[0] == '@') return parse_unix(text.substr(1));
  // sscanf's %d would also take signs and blanks ("2026-11-26T-1:00:00"): every field must be plain digits.
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18})
    if (i >= text.size() || !std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
  std::tm tm{};
  char sep = 0;
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%c%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &sep,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 7 ||
      (sep != 'T' && sep != ' ') || consumed != 19)
    return std::nullopt;
  if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
      tm.tm_sec > 60)
    return std::nullopt;
  std::string rest = text.substr(19);
  int64_t frac = 0;
  if (!rest.empty() && rest[0] == '.') {
    const auto end = rest.find_first_not_of("0123456789", 1);
    auto f = fraction_ns(rest.substr(1, end == std::string::npos ? std::string::npos : end - 1));
    if (!f) return std::nullopt;
    frac = *f;
    rest = end == std::string::npos ? "" : rest.substr(end);
  }
  if (!rest.empty() && rest != "Z") return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const time_t secs = ::timegm(&tm);
  return in_range(int64_t{secs}, frac);
}

std::string format_wall_time(int64_t wall_ns) {
  // Floor division: a time before 1970 is the second before it plus a positive fraction, not "-0.500".
  const int64_t rem = (wall_ns % 1'000'000'000 + 1'000'000'000) % 1'000'000'000;
  const time_t secs = static_cast<time_t>((wall_ns - rem) / 1'000'000'000);
  const int ms = static_cast<int>(rem / 1'000'000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  return buf;
}

}  // namespace zc::playback
