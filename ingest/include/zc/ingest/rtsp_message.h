// RTSP messages as they come off the control connection: responses to our requests, requests the camera sends
// (some send GET_PARAMETER or ANNOUNCE), and, on an interleaved TCP connection, the RTP/RTCP frames between them
// ('$', channel, 16-bit length). The parser works on the bytes already read and never copies a frame's payload.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace zc::ingest {

struct RtspMessage {
  bool is_response = true;
  int status = 0;          // responses
  std::string reason;      // responses
  std::string method;      // requests from the camera
  std::string target;      // requests: the URL they name
  std::vector<std::pair<std::string, std::string>> headers;  // in order; values trimmed
  std::string body;

  // The first header of that name (case-insensitive), or nullptr.
  const std::string* header(std::string_view name) const;
  // Every header of that name, in order (WWW-Authenticate may come once per scheme).
  std::vector<std::string_view> all(std::string_view name) const;
  std::optional<int> cseq() const;
};

// What starts at the front of a buffer read from the control connection.
struct Parsed {
  enum class Kind { need_more, message, interleaved } kind = Kind::need_more;
  size_t consumed = 0;  // bytes of the message or frame, when complete
  RtspMessage message;  // Kind::message
  uint8_t channel = 0;  // Kind::interleaved
  std::span<const uint8_t> payload;  // Kind::interleaved: the RTP/RTCP packet, inside the buffer
};

// Limits of one message: a camera that sends more is broken (or hostile).
inline constexpr size_t kMaxHeaderBytes = 64 * 1024;
inline constexpr size_t kMaxBodyBytes = 1024 * 1024;

// Parses the message or interleaved frame at the front of `buffer`. Throws IngestError(protocol) for bytes that
// are neither (after skipping nothing: a desynchronised stream is an error, not something to guess through).
Parsed parse_rtsp(std::span<const uint8_t> buffer);

// The interleaved frame ('$', channel, 16-bit length, packet) at the front of `buffer`, which starts with '$':
// nothing while only part of it is in. The media path's parse, once per RTP packet: no message is built.
struct InterleavedFrame {
  uint8_t channel = 0;
  std::span<const uint8_t> payload;  // inside `buffer`
  size_t consumed = 0;
};
std::optional<InterleavedFrame> parse_interleaved(std::span<const uint8_t> buffer);

// "Session: 12345678;timeout=60": the id and the timeout in seconds (60 when absent, RFC 2326 12.37).
struct SessionHeader {
  std::string id;
  int timeout_s = 60;
};
SessionHeader parse_session_header(std::string_view value);

// The parts of a SETUP response's Transport header the client uses.
struct TransportHeader {
  std::optional<std::pair<int, int>> interleaved;  // channels
  std::optional<std::pair<int, int>> server_port;  // UDP
  std::optional<uint32_t> ssrc;                    // tolerates whitespace and fewer than 8 hex digits
  std::string source;                              // UDP: where the camera sends from, when it says
};
TransportHeader parse_transport_header(std::string_view value);

}  // namespace zc::ingest
