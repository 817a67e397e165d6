#include "record_cli.h"

#include <zc/units/units.h>

#include <time.h>

#include <cstdio>
#include <cstdint>
#include <cstdlib>

namespace zc::cli::record {

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
  // zc::units reads it (as zcrecd's configuration and API do): 0 .. 100 years, no wrap-around in nanoseconds.
  return cmd
      ->add_option_function<std::string>(
          name, [&ns](const std::string& v) { ns = units::parse_duration_ns(v); }, description)
      ->check(CLI::Validator(
          [](std::string& v) {
            try {
              units::parse_duration_ns(v);
              return std::string();
            } catch (const units::UnitsError& e) {
              return std::string(e.what());
            }
          },
          "DURATION", "duration"));
}

CLI::Option* add_size_option(CLI::App* cmd, const std::string& name, std::optional<int64_t>& bytes,
                             const std::string& description) {
  // zc::units reads it (binary units, 1 byte .. 8E): "0x10" is not 16, "10E" does not come out negative.
  return cmd
      ->add_option_function<std::string>(
          name, [&bytes](const std::string& v) { bytes = units::parse_size_bytes(v); }, description)
      ->check(CLI::Validator(
          [](std::string& v) {
            try {
              units::parse_size_bytes(v);
              return std::string();
            } catch (const units::UnitsError& e) {
              return std::string(e.what());
            }
          },
          "SIZE", "size"));
}

int64_t parse_time_ns(const std::string& text, int64_t now_wall_ns) {
  try {
    return units::parse_time_ns(text, now_wall_ns);
  } catch (const units::UnitsError& e) {
    throw CLI::ValidationError("time", e.what());
  }
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

std::string format_wall(int64_t wall_ns) { return units::format_wall(wall_ns); }

std::string format_seconds(int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f s", static_cast<double>(ns) / 1e9);
  return buf;
}

}  // namespace zc::cli::record
