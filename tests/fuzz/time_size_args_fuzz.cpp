// Times and sizes as people type them: `--from/--to` (record_cli parse_time_ns), durations and sizes with units
// through CLI11 (add_duration_option, add_size_option, cli_units.h seconds_with_unit), and the player's wall
// times (playback time_arg). Input: one selector byte, then the text of one argument.
// Contract: the text is accepted with a value inside the documented range, or refused with the parser's own
// error type (CLI::Error, nullopt); nothing else escapes, and nothing overflows on the way (UBSan).
#include <zc/playback/time_arg.h>

#include "cli_units.h"
#include "fuzz_check.h"
#include "record_cli.h"

#include <cmath>

using namespace zc;

namespace {

constexpr int64_t kNow = 1'764'152'130'250'000'000;  // 2025-11-26T10:15:30.25Z: fixed, so runs repeat
constexpr int64_t kHundredYearsNs = int64_t{100} * 365 * 86400 * 1'000'000'000;

// Parses `zc_fuzz OPTION TEXT` with one option added by `add`; false when CLI11 refused it.
template <class Add>
bool parse_option(const std::string& text, Add&& add) {
  CLI::App app{"zc_fuzz"};
  add(app);
  std::vector<std::string> args{text, "--opt"};  // CLI11 takes them in reverse
  try {
    app.parse(args);
    return true;
  } catch (const CLI::Error&) {
    return false;
  }
}

bool digits_at(const std::string& s, std::initializer_list<size_t> at) {
  for (size_t i : at)
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0 || size > 256) return -1;  // arguments are short; longer inputs only slow the regexes down
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 5) {
    case 0: {
      try {
        const int64_t t = cli::record::parse_time_ns(text, kNow);
        (void)cli::record::format_wall(t);
      } catch (const CLI::ValidationError&) {
      }
      break;
    }
    case 1: {
      std::optional<int64_t> ns;
      if (parse_option(text, [&](CLI::App& app) { cli::record::add_duration_option(&app, "--opt", ns, ""); })) {
        ZC_FUZZ_CHECK(ns && *ns >= 0 && *ns <= kHundredYearsNs + 1);
      }
      break;
    }
    case 2: {
      std::optional<int64_t> bytes;
      if (parse_option(text, [&](CLI::App& app) { cli::record::add_size_option(&app, "--opt", bytes, ""); })) {
        ZC_FUZZ_CHECK(bytes && *bytes > 0);
      }
      break;
    }
    case 3: {
      double seconds = 0;
      if (parse_option(text, [&](CLI::App& app) {
            app.add_option("--opt", seconds)->transform(cli::seconds_with_unit());
          })) {
        (void)std::isfinite(seconds);
      }
      break;
    }
    case 4: {
      if (const auto t = playback::parse_wall_time(text)) {
        if (text[0] != '@') {
          // Accepted calendar text has two-digit fields where the format says so, not signs or spaces.
          ZC_FUZZ_CHECK(digits_at(text, {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18}));
        }
        const auto back = playback::parse_wall_time(playback::format_wall_time(*t));
        ZC_FUZZ_CHECK(back && *back == *t - ((*t % 1'000'000) + 1'000'000) % 1'000'000);
      }
      break;
    }
  }
  return 0;
}
