// G.711 through the real processes: `zcrec feed` of a QuickTime file with H.264 and A-law or µ-law audio, then
// `zcrec start` records it; the segment carries an AAC-LC track that the ffmpeg command decodes, and no warning
// says a track was skipped. (Sample-exact sync is judged in-process by g711_test.cpp.)
#include <zc/catalog/catalog.h>

#include <gtest/gtest.h>

#include "recorder/support/cli_helpers.h"
#include "recorder/support/record_fixture.h"
#include "recorder/support/temp_dir.h"
#include "support/test_support.h"

using namespace zc::test;

TEST(CliG711, FedAlawAndMulawAreRecordedAsAac) {
  for (const std::string name : {"h264_alaw", "h264_mulaw"}) {
    SCOPED_TRACE(name);
    TempDir d("cli_g711");
    const std::string dir = (d.path() / "store").string();
    ScopedStream stream("cli_g711");
    ASSERT_EQ(zcrec({"feed", clip(name).string(), "--stream", stream.name(), "--max-rate"}).exit_code, 0);
    const auto r = zcrec({"start", stream.name(), "--preroll", "60s", "--writer-grace", "0", "--dir", dir, "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_EQ(r.out.find("skipping"), std::string::npos) << r.out;
    const auto fin = last_json_line(r.out);
    EXPECT_TRUE(fin["skipped_tracks"].empty());
    EXPECT_GT(fin["audio_frames"].get<int64_t>(), 40);  // 6 s at 128 ms a frame
    ASSERT_EQ(fin["segment_paths"].size(), 1u);
    const auto file = d.path() / "store" / fin["segment_paths"][0].get<std::string>();
    const auto info = probe(file, false);
    ASSERT_EQ(info["streams"].size(), 2u);
    EXPECT_EQ(info["streams"][1]["codec_name"], "aac");
    EXPECT_EQ(info["streams"][1]["profile"], "LC");
    EXPECT_EQ(info["streams"][1]["sample_rate"], "8000");
    const auto decoded = run_command({"ffmpeg", "-nostdin", "-v", "error", "-xerror", "-i", file.string(), "-map",
                                      "0:a", "-f", "null", "-"});
    EXPECT_EQ(decoded.exit_code, 0);
  }
}
