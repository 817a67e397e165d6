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

// adts: an AudioSpecificConfig with channel configuration 8..15 was accepted, and header() then wrote the
// 4-bit value into ADTS's 3-bit field: `zcrec cat --track audio` emitted headers with the wrong channels.
TEST(FuzzRegressions, AudioSpecificConfigWithChannelConfigAbove7IsRefused) {
  const uint8_t asc8[] = {0x11, 0xC0};  // AAC LC, 48 kHz, channel configuration 8
  EXPECT_FALSE(media::adts::parse_audio_specific_config(asc8));
  const uint8_t asc7[] = {0x11, 0xB8};  // channel configuration 7 (7.1) still fits
  const auto c = media::adts::parse_audio_specific_config(asc7);
  ASSERT_TRUE(c);
  const auto back = media::adts::parse_header(media::adts::header(*c, 100));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->config.channel_config, 7);
}
