// Option parsing shared by the live-ring commands: durations with units, ring sizes, start positions.
#pragma once

#include <CLI/CLI.hpp>

#include <map>
#include <string>

namespace zc::cli {

// "5s", "500ms", "2m", "1h" or a plain number of seconds.
inline CLI::AsNumberWithUnit seconds_with_unit() {
  return CLI::AsNumberWithUnit(std::map<std::string, double>{{"ms", 0.001}, {"s", 1.0}, {"m", 60.0}, {"h", 3600.0}},
                               CLI::AsNumberWithUnit::CASE_SENSITIVE, "TIME");
}

}  // namespace zc::cli
