// Each bug a fuzz target found (docs/reliability.md), as a unit test in the ordinary builds; the inputs that
// found them stay in tests/fuzz/corpus/<target>/regress-*, which scripts/test --fuzz replays.
#include <zc/fifo/error.h>
#include <zc/fifo/ring_reader.h>
#include <zc/fifo/ring_writer.h>
#include <zc/media/adts.h>
#include <zc/playback/time_arg.h>

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

// ring_image: a record scribbled with a sequence number below the next one expected was delivered as a frame,
// so a reader saw a duplicate / out-of-order seq with no loss or discontinuity reported.
TEST(FuzzRegressions, ScribbledRecordWithABackwardSeqIsNotDeliveredAgain) {
  test::ScopedStream s("fuzz_seq");
  fifo::RingOptions o;
  o.data_bytes = 64 * 1024;
  auto w = fifo::RingWriter::open(s.name(), o);
  w.set_stream_info(test::video_stream_info());
  fifo::ReaderOptions ro;
  ro.start = fifo::StartAt::next_frame;
  auto r = fifo::RingReader::open(s.name(), ro);
  const char payload[] = "frame";
  fifo::Frame f;
  std::vector<uint64_t> pos;
  for (int i = 0; i < 10; ++i) {
    w.write({0, static_cast<uint16_t>(i == 0 ? fifo::frame_flag::keyframe : 0), i, i, 0, 0}, payload, sizeof payload);
    if (i < 7) {
      ASSERT_EQ(r.try_read(f), fifo::ReadStatus::frame);
    }
  }
  const uint64_t last_delivered = f.header.seq;
  // Frame 8 (the next one the reader will read) now claims the seq of frame 2.
  const int fd = ::shm_open(("/zcrec." + s.name()).c_str(), O_RDWR, 0);
  ASSERT_GE(fd, 0);
  const auto st = r.status();
  auto* base = static_cast<uint8_t*>(::mmap(nullptr, st.object_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
  ::close(fd);
  ASSERT_NE(base, MAP_FAILED);
  const auto* h = reinterpret_cast<const fifo::layout::Header*>(base);
  const uint64_t next_pos = [&] {
    auto v = r.peek();
    return v ? v->header.pos : 0;
  }();
  auto* rh = reinterpret_cast<fifo::layout::RecordHeader*>(base + h->data_offset + (next_pos & (h->data_bytes - 1)));
  ASSERT_EQ(rh->seq, last_delivered + 1);
  rh->seq = last_delivered - 5;
  ::munmap(base, st.object_bytes);

  EXPECT_EQ(r.try_read(f), fifo::ReadStatus::empty) << "delivered seq " << f.header.seq << " again";
  w.write({0, fifo::frame_flag::keyframe, 10, 10, 0, 0}, payload, sizeof payload);
  ASSERT_EQ(r.try_read(f), fifo::ReadStatus::frame);
  EXPECT_GT(f.header.seq, last_delivered);
  EXPECT_EQ(f.header.lost_before, f.header.seq - last_delivered - 1);
  EXPECT_NE(f.header.flags & fifo::frame_flag::discontinuity, 0);
}

// mp4_layout: an ftyp or moov after a moof that never got its mdat set has_ftyp/has_moov, although recovery
// cuts the file before them and then opens the cut file as if it had a moov.
TEST(FuzzRegressions, BoxesAfterAnUnfinishedFragmentDoNotDescribeTheCutFile) {
  const auto path = std::filesystem::temp_directory_path() / ("zc_fuzz_regress_" + std::to_string(::getpid()));
  {
    std::ofstream out(path, std::ios::binary);
    const char bytes[] = "\0\0\0\x08moof\0\0\0\x10" "ftypiso5\0\0\0\0\0\0\0\x08moov";
    out.write(bytes, sizeof bytes - 1);
  }
  const auto l = recorder::scan_mp4(path);
  std::filesystem::remove(path);
  EXPECT_EQ(l.file_bytes, 32);
  EXPECT_EQ(l.valid_end, 0);
  EXPECT_FALSE(l.has_ftyp);
  EXPECT_FALSE(l.has_moov);
  EXPECT_TRUE(l.fragments.empty());
}

// mp4_layout: a box with a 64-bit largesize of 2^63 or more passed the "fits in the file" check as a negative
// int64_t, so valid_end went negative and recovery would have truncated the segment to a negative length.
TEST(FuzzRegressions, LargesizeAboveInt64MaxIsATornBoxNotANegativeEnd) {
  const auto path = std::filesystem::temp_directory_path() / ("zc_fuzz_regress_big_" + std::to_string(::getpid()));
  {
    std::ofstream out(path, std::ios::binary);
    const char ftyp[] = "\0\0\0\x10" "ftypiso5\0\0\0\0";
    out.write(ftyp, sizeof ftyp - 1);
    const char big[] = "\0\0\0\x01" "free\xff\xff\xff\xff\xff\xff\xff\xff" "padding!";
    out.write(big, sizeof big - 1);
  }
  const auto l = recorder::scan_mp4(path);
  std::filesystem::remove(path);
  EXPECT_EQ(l.file_bytes, 40);
  EXPECT_EQ(l.valid_end, 16);
  EXPECT_TRUE(l.has_ftyp);
}

// mp4_layout: a largesize box claiming 8..15 bytes ended inside its own 16-byte header; the walker accepted it,
// so recovery cut the file there, and a second recovery cut the same file shorter again.
TEST(FuzzRegressions, LargesizeBoxEndingInsideItsHeaderIsTornSoRecoveryIsStable) {
  const auto path = std::filesystem::temp_directory_path() / ("zc_fuzz_regress_short_" + std::to_string(::getpid()));
  {
    std::ofstream out(path, std::ios::binary);
    const char ftyp[] = "\0\0\0\x10" "ftypiso5\0\0\0\0";
    out.write(ftyp, sizeof ftyp - 1);
    const char tiny[] = "\0\0\0\x01" "free\0\0\0\0\0\0\0\x0f" "more bytes";
    out.write(tiny, sizeof tiny - 1);
  }
  const auto l = recorder::scan_mp4(path);
  std::filesystem::remove(path);
  EXPECT_EQ(l.valid_end, 16);
}

// ring_image: a header whose write_pos was not a multiple of 64 passed validation; a writer taking the ring
// over continued at the unaligned position, and its readers then dropped the padding records it wrote (and the
// frames after them) as malformed. Such an object is now invalid: readers refuse it, the writer recreates it.
TEST(FuzzRegressions, UnalignedWritePositionMakesTheObjectInvalidNotContinued) {
  test::ScopedStream s("fuzz_align");
  fifo::RingOptions o;
  o.data_bytes = 64 * 1024;
  {
    auto w = fifo::RingWriter::open(s.name(), o);
    w.set_stream_info(test::video_stream_info());
    w.write({0, fifo::frame_flag::keyframe, 0, 0, 0, 0}, "frame", 5);
  }
  {
    const int fd = ::shm_open(("/zcrec." + s.name()).c_str(), O_RDWR, 0);
    ASSERT_GE(fd, 0);
    auto* h = static_cast<fifo::layout::Header*>(::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    ::close(fd);
    ASSERT_NE(static_cast<void*>(h), MAP_FAILED);
    h->write_pos.fetch_add(1);
    ::munmap(h, 4096);
  }
  try {
    fifo::RingReader::open(s.name());
    ADD_FAILURE() << "a reader attached to a ring with an unaligned write position";
  } catch (const fifo::FifoError& e) {
    EXPECT_EQ(e.code(), fifo::FifoErrc::corrupt_object);
  }
  auto w = fifo::RingWriter::open(s.name(), o);
  EXPECT_FALSE(w.took_over());
  w.set_stream_info(test::video_stream_info());
  fifo::ReaderOptions ro;
  ro.start = fifo::StartAt::next_frame;
  auto r = fifo::RingReader::open(s.name(), ro);
  std::vector<char> payload(3000, 'x');
  fifo::Frame f;
  for (int i = 0; i < 100; ++i) {  // laps the ring, so padding records are written and read
    w.write({0, static_cast<uint16_t>(i % 8 == 0 ? fifo::frame_flag::keyframe : 0), i, i, 0, 0}, payload.data(),
            payload.size());
    ASSERT_EQ(r.try_read(f), fifo::ReadStatus::frame) << "frame " << i;
  }
}

// time_size_args: the player's wall times (`zcrec play --from`) overflowed int64 nanoseconds for years past 2262
// ("5102-11-26 10:15:30") and for 11-digit Unix seconds (UB); sscanf let signed fields through
// ("2026-11-26T-1:00:00Z" was 23:00 the day before); and times before 1970 printed as "...00.-500Z".
TEST(FuzzRegressions, WallTimesOutOfRangeOrWithSignedFieldsAreRefusedAndPre1970Formats) {
  using playback::format_wall_time;
  using playback::parse_wall_time;
  EXPECT_FALSE(parse_wall_time("5102-11-26 10:15:30"));
  EXPECT_FALSE(parse_wall_time("@99999999999"));
  EXPECT_FALSE(parse_wall_time("2026-11-26T-1:00:00Z"));
  EXPECT_FALSE(parse_wall_time("2026-11-26T 1:00:00Z"));
  EXPECT_EQ(parse_wall_time("@9223372035"), int64_t{9'223'372'035} * 1'000'000'000);
  const auto before = parse_wall_time("1969-12-31T23:59:59.500Z");
  ASSERT_TRUE(before);
  EXPECT_EQ(*before, -500'000'000);
  EXPECT_EQ(format_wall_time(*before), "1969-12-31T23:59:59.500Z");
}

// time_size_args: a size of "10E" (10 x 2^60 bytes) passed the size option's check and was stored as a negative
// int64_t, e.g. a retention quota of minus 7 EiB.
TEST(FuzzRegressions, SizesPastInt64AreRefusedNotNegative) {
  auto parse = [](const std::string& text) {
    CLI::App app{"t"};
    std::optional<int64_t> bytes;
    cli::record::add_size_option(&app, "--quota", bytes, "");
    std::vector<std::string> args{text, "--quota"};
    app.parse(args);
    return bytes;
  };
  EXPECT_THROW(parse("10E"), CLI::ValidationError);
  EXPECT_THROW(parse("8E"), CLI::ValidationError);
  EXPECT_EQ(parse("7E"), int64_t{7} << 60);
  EXPECT_EQ(parse("10G"), int64_t{10} << 30);
  // And "0x4282425444444" passed the check as a hex float but was stored as 0 bytes by the base-10 callback.
  EXPECT_THROW(parse("0x4282425444444"), CLI::ValidationError);
  EXPECT_THROW(parse("0x10"), CLI::ValidationError);
}
