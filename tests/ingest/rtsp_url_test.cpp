// rtsp:// URLs and control URL resolution, including what cameras get wrong.
#include <zc/ingest/error.h>
#include <zc/ingest/rtsp_url.h>

#include <gtest/gtest.h>

using namespace zc::ingest;

TEST(RtspUrl, CredentialsAreKeptOutOfTheRequestUrl) {
  const RtspUrl u = parse_rtsp_url("rtsp://admin:p%40ss%3Aword@192.168.1.10:8554/Streaming/Channels/101?x=1");
  EXPECT_EQ(u.user, "admin");
  EXPECT_EQ(u.password, "p@ss:word");
  EXPECT_EQ(u.host, "192.168.1.10");
  EXPECT_EQ(u.port, 8554);
  EXPECT_EQ(u.request_url, "rtsp://192.168.1.10:8554/Streaming/Channels/101?x=1");
}

TEST(RtspUrl, DefaultPortAndIpv6) {
  EXPECT_EQ(parse_rtsp_url("rtsp://cam/s").port, 554);
  const RtspUrl v6 = parse_rtsp_url("rtsp://[::1]:554/s");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.request_url, "rtsp://[::1]:554/s");
}

TEST(RtspUrl, BadUrlsAreTypedErrors) {
  for (const char* bad : {"http://cam/s", "rtsp://", "rtsp://cam:99999/s", "rtsp://cam:x/s", "rtsp://[::1/s"}) {
    try {
      parse_rtsp_url(bad);
      ADD_FAILURE() << bad;
    } catch (const IngestError& e) {
      EXPECT_EQ(e.code(), IngestErrc::invalid_url) << bad;
    }
  }
}

TEST(RtspUrl, RelativeControlJoinsTheBaseWithOneSlash) {
  EXPECT_EQ(resolve_control("rtsp://cam/stream/", "trackID=1"), "rtsp://cam/stream/trackID=1");
  EXPECT_EQ(resolve_control("rtsp://cam/stream", "trackID=1"), "rtsp://cam/stream/trackID=1");
}

TEST(RtspUrl, AbsoluteControlAndStarKeepTheirMeaning) {
  EXPECT_EQ(resolve_control("rtsp://cam/stream/", "rtsp://other/x"), "rtsp://other/x");
  EXPECT_EQ(resolve_control("rtsp://cam/stream/", "*"), "rtsp://cam/stream/");
  EXPECT_EQ(resolve_control("rtsp://cam:554/stream/", "/abs/track1"), "rtsp://cam:554/abs/track1");
}

TEST(RtspUrl, SchemelessContentBase) {
  // Some cameras answer DESCRIBE with "Content-Base: 192.168.1.10:554/live/".
  EXPECT_EQ(resolve_control("192.168.1.10:554/live/", "track1"), "rtsp://192.168.1.10:554/live/track1");
  EXPECT_EQ(resolve_control("192.168.1.10:554/live/", ""), "rtsp://192.168.1.10:554/live/");
}
