// RTSP responses, camera requests and interleaved frames on one byte stream.
#include <zc/ingest/error.h>
#include <zc/ingest/rtsp_message.h>

#include <gtest/gtest.h>

#include <string>

using namespace zc::ingest;

namespace {

std::span<const uint8_t> bytes(const std::string& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

}  // namespace

TEST(RtspMessage, ResponseWithBody) {
  const std::string r = "RTSP/1.0 200 OK\r\nCSeq: 2\r\nContent-Base: rtsp://cam/s/\r\ncontent-length: 5\r\n\r\nv=0\r\nRTSP";
  const Parsed p = parse_rtsp(bytes(r));
  ASSERT_EQ(p.kind, Parsed::Kind::message);
  EXPECT_EQ(p.consumed, r.size() - 4);
  EXPECT_EQ(p.message.status, 200);
  EXPECT_EQ(p.message.cseq(), 2);
  EXPECT_EQ(*p.message.header("CONTENT-BASE"), "rtsp://cam/s/");
  EXPECT_EQ(p.message.body, "v=0\r\n");
}

TEST(RtspMessage, IncompleteMessageNeedsMore) {
  const std::string r = "RTSP/1.0 200 OK\r\nCSeq: 2\r\nContent-Length: 10\r\n\r\nv=0";
  EXPECT_EQ(parse_rtsp(bytes(r)).kind, Parsed::Kind::need_more);
  EXPECT_EQ(parse_rtsp(bytes("RTSP/1.0 200 OK\r\nCSe")).kind, Parsed::Kind::need_more);
}

TEST(RtspMessage, BareLineFeedsAreAccepted) {
  const Parsed p = parse_rtsp(bytes("RTSP/1.0 404 Not Found\nCSeq: 3\n\n"));
  ASSERT_EQ(p.kind, Parsed::Kind::message);
  EXPECT_EQ(p.message.status, 404);
  EXPECT_EQ(p.message.reason, "Not Found");
}

TEST(RtspMessage, InterleavedFrameIsAViewIntoTheBuffer) {
  const std::string f = std::string("$\x01\x00\x03", 4) + "abcRTSP";
  const Parsed p = parse_rtsp(bytes(f));
  ASSERT_EQ(p.kind, Parsed::Kind::interleaved);
  EXPECT_EQ(p.channel, 1);
  EXPECT_EQ(p.consumed, 7u);
  EXPECT_EQ(std::string(p.payload.begin(), p.payload.end()), "abc");
  EXPECT_EQ(parse_rtsp(bytes(std::string("$\x00\x00\x09xx", 6))).kind, Parsed::Kind::need_more);
}

// The media path's own parse (once per RTP packet, without a message): the same frame as parse_rtsp's, and
// nothing until its last byte is in.
TEST(RtspMessage, InterleavedFrameParsedOnItsOwn) {
  const std::string f = std::string("$\x02\x01\x02", 4) + std::string(258, 'x') + "$";
  const auto frame = parse_interleaved(bytes(f));
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ(frame->channel, 2);
  EXPECT_EQ(frame->payload.size(), 258u);
  EXPECT_EQ(frame->payload.data(), reinterpret_cast<const uint8_t*>(f.data()) + 4);
  EXPECT_EQ(frame->consumed, 262u);
  const Parsed p = parse_rtsp(bytes(f));
  ASSERT_EQ(p.kind, Parsed::Kind::interleaved);
  EXPECT_EQ(p.consumed, frame->consumed);
  for (size_t n : {0u, 1u, 3u, 4u, 261u}) EXPECT_FALSE(parse_interleaved(bytes(f.substr(0, n)))) << n << " bytes";
  EXPECT_TRUE(parse_interleaved(bytes(std::string("$\x00\x00\x00", 4))));  // an empty packet is a frame
}

TEST(RtspMessage, RequestFromTheCamera) {
  const Parsed p = parse_rtsp(bytes("GET_PARAMETER rtsp://cam/s RTSP/1.0\r\nCSeq: 7\r\n\r\n"));
  ASSERT_EQ(p.kind, Parsed::Kind::message);
  EXPECT_FALSE(p.message.is_response);
  EXPECT_EQ(p.message.method, "GET_PARAMETER");
}

TEST(RtspMessage, GarbageIsAProtocolError) {
  EXPECT_THROW(parse_rtsp(bytes(std::string("\x80\x60garbage", 9))), IngestError);
  EXPECT_THROW(parse_rtsp(bytes("RTSP/1.0 abc OK\r\n\r\n")), IngestError);
  EXPECT_THROW(parse_rtsp(bytes("RTSP/1.0 200 OK\r\nContent-Length: -1\r\n\r\n")), IngestError);
  EXPECT_THROW(parse_rtsp(bytes("RTSP/1.0 200 OK\r\nContent-Length: 99999999\r\n\r\n")), IngestError);
}

TEST(RtspMessage, SessionTimeout) {
  const SessionHeader h = parse_session_header("DEADBEEF;timeout=30");
  EXPECT_EQ(h.id, "DEADBEEF");
  EXPECT_EQ(h.timeout_s, 30);
  EXPECT_EQ(parse_session_header(" 1234 ").timeout_s, 60);
}

TEST(RtspMessage, WhitespaceInSsrc) {
  const TransportHeader t = parse_transport_header("RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=  0A1B2C3D ;mode=\"PLAY\"");
  ASSERT_TRUE(t.ssrc);
  EXPECT_EQ(*t.ssrc, 0x0A1B2C3Du);
  ASSERT_TRUE(t.interleaved);
  EXPECT_EQ(t.interleaved->first, 0);
  EXPECT_EQ(parse_transport_header("RTP/AVP;unicast;ssrc=1B2C3D;server_port=6970-6971").ssrc.value_or(0), 0x1B2C3Du);
}

TEST(RtspMessage, TransportWithServerPorts) {
  const TransportHeader t = parse_transport_header("RTP/AVP;unicast;client_port=5000-5001;server_port=6970-6971");
  ASSERT_TRUE(t.server_port);
  EXPECT_EQ(t.server_port->second, 6971);
  EXPECT_FALSE(t.interleaved);
}
