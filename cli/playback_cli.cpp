#include "playback_cli.h"

#include "record_cli.h"

#include <zc/playback/time_arg.h>

namespace zc::cli::playback_cli {
namespace {

// The recorder commands' time forms, plus "@UNIX_SECONDS" (exact to the nanosecond, handy for scripts).
int64_t parse_time(const std::string& name, const std::string& text, int64_t now) {
  if (!text.empty() && text[0] == '@') {
    if (auto t = playback::parse_wall_time(text)) return *t;
    throw CLI::ValidationError(name, "'" + text + "' is not @UNIX_SECONDS[.FRACTION]");
  }
  return record::parse_time_ns(text, now);
}

}  // namespace

void add_range_options(CLI::App* cmd, std::string& from, std::string& to) {
  cmd->add_option("--from", from, "Range start: 2026-11-26T10:00:00Z, -10m, now or @UNIX_SECONDS");
  cmd->add_option("--to", to, "Range end (exclusive), same forms as --from");
}

std::pair<int64_t, int64_t> parse_range(const std::string& from, const std::string& to, int64_t now_wall_ns) {
  if (from.empty() || to.empty()) throw CLI::ValidationError("--from/--to", "both are required with --stream");
  const int64_t now = now_wall_ns;
  const int64_t f = parse_time("--from", from, now);
  const int64_t t = parse_time("--to", to, now);
  if (t <= f) throw CLI::ValidationError("--to", "must be later than --from");
  return {f, t};
}

void add_dir_option(CLI::App* cmd, std::string& dir) { record::add_dir_option(cmd, dir); }

}  // namespace zc::cli::playback_cli
