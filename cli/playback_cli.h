// Options shared by `zcrec play`, `zcrec export` and `zcrec bench play`.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <utility>

namespace zc::cli::playback_cli {

// --from / --to: the recorder commands' forms (RFC 3339, "now", "-10m") or "@UNIX_SECONDS".
void add_range_options(CLI::App* cmd, std::string& from, std::string& to);
// Both ends parsed ("now", "-10m" count from now_wall_ns, the command's clock); throws CLI::ValidationError
// (exit code 2) when either is missing or unreadable.
std::pair<int64_t, int64_t> parse_range(const std::string& from, const std::string& to, int64_t now_wall_ns);
// --dir, default $ZCREC_DIR or ./zcrec-data (as the recorder commands).
void add_dir_option(CLI::App* cmd, std::string& dir);

}  // namespace zc::cli::playback_cli
