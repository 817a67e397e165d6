#include "playback_cli.h"

#include <zc/playback/time_arg.h>

#include <cstdlib>

namespace zc::cli::playback_cli {

void add_range_options(CLI::App* cmd, std::string& from, std::string& to) {
  cmd->add_option("--from", from, "Range start: 2026-11-26T10:00:00Z or @UNIX_SECONDS");
  cmd->add_option("--to", to, "Range end (exclusive), same forms as --from");
}

std::pair<int64_t, int64_t> parse_range(const std::string& from, const std::string& to) {
  if (from.empty() || to.empty()) throw CLI::ValidationError("--from/--to", "both are required with --stream");
  const auto f = playback::parse_wall_time(from);
  if (!f) throw CLI::ValidationError("--from", "'" + from + "' is not a time like 2026-11-26T10:00:00Z");
  const auto t = playback::parse_wall_time(to);
  if (!t) throw CLI::ValidationError("--to", "'" + to + "' is not a time like 2026-11-26T10:00:00Z");
  if (*t <= *f) throw CLI::ValidationError("--to", "must be later than --from");
  return {*f, *t};
}

void add_dir_option(CLI::App* cmd, std::string& dir) {
  const char* env = std::getenv("ZCREC_DIR");
  dir = env != nullptr && *env != 0 ? env : "zcrec-data";
  cmd->add_option("--dir", dir, "Storage directory with catalog.db")->envname("ZCREC_DIR")->capture_default_str();
}

}  // namespace zc::cli::playback_cli
