// Each bug a fuzz target found (docs/reliability.md), as a unit test in the ordinary builds; the inputs that
// found them stay in tests/fuzz/corpus/<target>/regress-*, which scripts/test --fuzz replays.
#include <zc/fifo/ring_reader.h>
#include <zc/fifo/ring_writer.h>
#include <zc/media/adts.h>

#include <gtest/gtest.h>

#include "layout.h"
#include "mp4_layout.h"
#include "record_cli.h"
#include "support/test_support.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

using namespace zc;

// time_size_args: "1013-11-26T12:00:00.5+02:00" overflowed int64 nanoseconds (UB) and wrapped to a time in 2026
// or wherever; relative times past ~292 years converted an out-of-range double to int64_t.
TEST(FuzzRegressions, TimesOutsideTheNanosecondRangeAreRefusedNotWrapped) {
  using cli::record::parse_time_ns;
  const int64_t now = 1'764'152'130'000'000'000;
  EXPECT_THROW(parse_time_ns("1013-11-26T12:00:00.5+02:00", now), CLI::ValidationError);
  EXPECT_THROW(parse_time_ns("2263-01-01T00:00:00Z", now), CLI::ValidationError);
  EXPECT_THROW(parse_time_ns("-300000d", now), CLI::ValidationError);
  EXPECT_THROW(parse_time_ns("+99999999999999999999s", now), CLI::ValidationError);
  EXPECT_EQ(parse_time_ns("1678-01-01T00:00:00Z", now), -9'214'560'000'000'000'000);
  EXPECT_EQ(parse_time_ns("-10m", now), now - 600'000'000'000);
}
