// The zc::units validators (units/include/zc/units/cli_validators.h) under the names the commands use.
#pragma once

#include <zc/units/cli_validators.h>

namespace zc::cli {

using units::seconds_with_unit;
using units::size_bytes;
using units::bits_per_second;
using units::in_range;

}  // namespace zc::cli
