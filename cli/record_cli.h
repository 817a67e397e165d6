// Options shared by the recorder commands (start, list, check, prune, bench record): the storage directory,
// durations and sizes with units through CLI11 transformers, RFC 3339 / relative times, and output helpers.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace zc::cli::record {

// $ZCREC_DIR when set, else ./zcrec-data.
std::string default_storage_dir();
CLI::Option* add_dir_option(CLI::App* cmd, std::string& dir);
// "5s", "250ms", "2m", "1h", "1d"; a bare number is seconds. Stored as nanoseconds.
CLI::Option* add_duration_option(CLI::App* cmd, const std::string& name, std::optional<int64_t>& ns,
                                 const std::string& description);
// "10G", "512M", "4096"; binary units (1K = 1024). Stored as bytes.
CLI::Option* add_size_option(CLI::App* cmd, const std::string& name, std::optional<int64_t>& bytes,
                             const std::string& description);
// RFC 3339 ("2026-11-26T10:00:00Z", "2026-11-26T12:00:00.5+02:00"), "now", or relative to now ("-10m",
// "-2h", "+30s"). Throws CLI::ValidationError on anything else.
int64_t parse_time_ns(const std::string& text, int64_t now_wall_ns);
CLI::Option* add_time_option(CLI::App* cmd, const std::string& name, std::string& text, const std::string& description);
// "2026-11-26T10:00:00.123Z"
std::string format_wall(int64_t wall_ns);
// "5.000 s"
std::string format_seconds(int64_t ns);

}  // namespace zc::cli::record
