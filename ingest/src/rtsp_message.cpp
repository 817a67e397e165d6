#include <zc/ingest/rtsp_message.h>

#include <zc/ingest/error.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

namespace zc::ingest {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::optional<long long> to_number(std::string_view s, int base = 10) {
  s = trim(s);
  long long v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::optional<std::pair<int, int>> port_pair(std::string_view s) {
  const size_t dash = s.find('-');
  const auto a = to_number(s.substr(0, dash));
  if (!a || *a < 0 || *a > 65535) return std::nullopt;
  if (dash == std::string_view::npos) return std::pair<int, int>(static_cast<int>(*a), static_cast<int>(*a) + 1);
  const auto b = to_number(s.substr(dash + 1));
  if (!b || *b < 0 || *b > 65535) return std::nullopt;
  return std::pair<int, int>(static_cast<int>(*a), static_cast<int>(*b));
}

// Where the header block ends (after the empty line), accepting bare LF line ends as some cameras send.
std::optional<size_t> header_end(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\n') continue;
    if (i + 1 < s.size() && s[i + 1] == '\n') return i + 2;
    if (i + 2 < s.size() && s[i + 1] == '\r' && s[i + 2] == '\n') return i + 3;
  }
  return std::nullopt;
}

}  // namespace

const std::string* RtspMessage::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return &v;
  return nullptr;
}

std::vector<std::string_view> RtspMessage::all(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) out.emplace_back(v);
  return out;
}

std::optional<int> RtspMessage::cseq() const {
  const std::string* v = header("CSeq");
  if (v == nullptr) return std::nullopt;
  const auto n = to_number(*v);
  if (!n || *n < 0 || *n > INT32_MAX) return std::nullopt;
  return static_cast<int>(*n);
}

std::optional<InterleavedFrame> parse_interleaved(std::span<const uint8_t> buffer) {
  if (buffer.size() < 4) return std::nullopt;
  const size_t length = (static_cast<size_t>(buffer[2]) << 8) | buffer[3];
  if (buffer.size() < 4 + length) return std::nullopt;
  return InterleavedFrame{buffer[1], buffer.subspan(4, length), 4 + length};
}

Parsed parse_rtsp(std::span<const uint8_t> buffer) {
  Parsed out;
  if (buffer.empty()) return out;
  if (buffer[0] == '$') {
    if (const auto f = parse_interleaved(buffer)) {
      out.kind = Parsed::Kind::interleaved;
      out.channel = f->channel;
      out.payload = f->payload;
      out.consumed = f->consumed;
    }
    return out;
  }
  const std::string_view text(reinterpret_cast<const char*>(buffer.data()), buffer.size());
  // Until the start line is complete, check only that it can still become one (an RTSP message starts with a
  // letter): random bytes fail at once instead of waiting for 64 KiB.
  if (!std::isalpha(static_cast<unsigned char>(text[0])))
    throw IngestError(IngestErrc::protocol, "the camera sent bytes that are neither an RTSP message nor an interleaved frame");
  const auto end = header_end(text.substr(0, std::min(text.size(), kMaxHeaderBytes)));
  if (!end) {
    if (text.size() >= kMaxHeaderBytes) throw IngestError(IngestErrc::protocol, "an RTSP header block over 64 KiB");
    return out;
  }
  std::string_view head = text.substr(0, *end);
  RtspMessage& m = out.message;
  size_t line_end = head.find('\n');
  const std::string_view start = trim(head.substr(0, line_end));
  if (start.rfind("RTSP/", 0) == 0) {
    const size_t sp = start.find(' ');
    if (sp == std::string_view::npos) throw IngestError(IngestErrc::protocol, "an RTSP status line without a status");
    const std::string_view rest = trim(start.substr(sp + 1));
    const size_t sp2 = rest.find(' ');
    const auto status = to_number(rest.substr(0, sp2));
    if (!status || *status < 100 || *status > 999)
      throw IngestError(IngestErrc::protocol, "an RTSP status line with a bad status code");
    m.status = static_cast<int>(*status);
    if (sp2 != std::string_view::npos) m.reason = std::string(trim(rest.substr(sp2 + 1)));
  } else {
    const size_t sp = start.find(' ');
    if (sp == std::string_view::npos || start.find("RTSP/") == std::string_view::npos)
      throw IngestError(IngestErrc::protocol, "an RTSP message with a malformed start line");
    m.is_response = false;
    m.method = std::string(start.substr(0, sp));
    const std::string_view rest = trim(start.substr(sp + 1));
    m.target = std::string(rest.substr(0, rest.find(' ')));
  }
  size_t pos = line_end + 1;
  while (pos < head.size()) {
    size_t nl = head.find('\n', pos);
    if (nl == std::string_view::npos) nl = head.size();
    const std::string_view line = trim(head.substr(pos, nl - pos));
    pos = nl + 1;
    if (line.empty()) break;
    if ((line.front() == ' ' || line.front() == '\t') && !m.headers.empty()) continue;  // trimmed: never here
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;  // a broken header line costs only itself
    m.headers.emplace_back(std::string(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1))));
  }
  size_t body = 0;
  if (const std::string* cl = m.header("Content-Length")) {
    const auto n = to_number(*cl);
    if (!n || *n < 0 || static_cast<unsigned long long>(*n) > kMaxBodyBytes)
      throw IngestError(IngestErrc::protocol, "an RTSP message with a bad Content-Length");
    body = static_cast<size_t>(*n);
  }
  if (text.size() < *end + body) return Parsed{};
  m.body = std::string(text.substr(*end, body));
  out.kind = Parsed::Kind::message;
  out.consumed = *end + body;
  return out;
}

SessionHeader parse_session_header(std::string_view value) {
  SessionHeader h;
  const size_t semi = value.find(';');
  h.id = std::string(trim(value.substr(0, semi)));
  std::string_view rest = semi == std::string_view::npos ? std::string_view() : value.substr(semi + 1);
  while (!rest.empty()) {
    const size_t next = rest.find(';');
    const std::string_view param = trim(rest.substr(0, next));
    rest = next == std::string_view::npos ? std::string_view() : rest.substr(next + 1);
    const size_t eq = param.find('=');
    if (eq != std::string_view::npos && iequals(trim(param.substr(0, eq)), "timeout"))
      if (const auto t = to_number(param.substr(eq + 1)); t && *t > 0 && *t < 86400) h.timeout_s = static_cast<int>(*t);
  }
  return h;
}

TransportHeader parse_transport_header(std::string_view value) {
  TransportHeader t;
  // A camera may offer several transports separated by commas; the first is the one it chose.
  value = value.substr(0, value.find(','));
  while (!value.empty()) {
    const size_t next = value.find(';');
    const std::string_view param = trim(value.substr(0, next));
    value = next == std::string_view::npos ? std::string_view() : value.substr(next + 1);
    const size_t eq = param.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view key = trim(param.substr(0, eq)), v = trim(param.substr(eq + 1));
    if (iequals(key, "interleaved")) t.interleaved = port_pair(v);
    else if (iequals(key, "server_port")) t.server_port = port_pair(v);
    else if (iequals(key, "source")) t.source = std::string(v);
    else if (iequals(key, "ssrc")) {
      // Cameras pad the SSRC with spaces ("ssrc=  1A2B3C4D") or drop its leading zeros.
      if (v.size() <= 8)
        if (const auto n = to_number(v, 16); n && *n >= 0) t.ssrc = static_cast<uint32_t>(*n);
    }
  }
  return t;
}

}  // namespace zc::ingest
