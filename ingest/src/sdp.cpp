#include <zc/ingest/sdp.h>

#include <zc/ingest/error.h>

#include <cctype>
#include <charconv>
#include <optional>

namespace zc::ingest {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<long long> number(std::string_view s) {
  s = trim(s);
  long long v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// "96 H264/90000" or "97 MPEG4-GENERIC/48000/2": applies to `m` when the payload type is its own.
void apply_rtpmap(SdpMedia& m, std::string_view value) {
  const size_t sp = value.find_first_of(" \t");
  if (sp == std::string_view::npos) return;
  const auto pt = number(value.substr(0, sp));
  if (!pt || *pt != m.payload_type) return;
  const std::string_view spec = trim(value.substr(sp + 1));
  const size_t slash = spec.find('/');
  m.encoding = upper(trim(spec.substr(0, slash)));
  if (slash == std::string_view::npos) return;
  const std::string_view rest = spec.substr(slash + 1);
  const size_t slash2 = rest.find('/');
  if (const auto rate = number(rest.substr(0, slash2)); rate && *rate > 0 && *rate <= 10'000'000)
    m.clock_rate = static_cast<uint32_t>(*rate);
  if (slash2 != std::string_view::npos)
    if (const auto ch = number(rest.substr(slash2 + 1)); ch && *ch > 0 && *ch <= 255) m.channels = static_cast<uint32_t>(*ch);
}

void apply_fmtp(SdpMedia& m, std::string_view value) {
  const size_t sp = value.find_first_of(" \t");
  if (sp == std::string_view::npos) return;
  const auto pt = number(value.substr(0, sp));
  if (!pt || *pt != m.payload_type) return;
  std::string_view rest = value.substr(sp + 1);
  while (!rest.empty()) {
    const size_t semi = rest.find(';');
    const std::string_view param = trim(rest.substr(0, semi));
    rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
    const size_t eq = param.find('=');
    if (eq == std::string_view::npos) continue;
    m.fmtp[lower(trim(param.substr(0, eq)))] = std::string(trim(param.substr(eq + 1)));
  }
}

}  // namespace

Sdp parse_sdp(std::string_view text) {
  Sdp sdp;
  bool first = true;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    const std::string_view line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (line.empty()) continue;
    if (line.size() < 2 || line[1] != '=') {
      if (first) throw IngestError(IngestErrc::invalid_sdp, "the DESCRIBE answer is not an SDP");
      continue;  // a broken line costs only itself
    }
    if (first && line[0] != 'v') throw IngestError(IngestErrc::invalid_sdp, "the SDP does not start with v=");
    first = false;
    const char type = line[0];
    const std::string_view value = trim(line.substr(2));
    if (type == 'm') {
      SdpMedia m;
      // kind port proto fmt...
      size_t at = 0;
      std::vector<std::string_view> words;
      while (at < value.size()) {
        const size_t sp = value.find_first_of(" \t", at);
        const std::string_view w = value.substr(at, sp == std::string_view::npos ? std::string_view::npos : sp - at);
        if (!w.empty()) words.push_back(w);
        if (sp == std::string_view::npos) break;
        at = sp + 1;
      }
      if (!words.empty()) m.kind = lower(words[0]);
      if (words.size() >= 4)
        if (const auto pt = number(words[3]); pt && *pt >= 0 && *pt <= 127) m.payload_type = static_cast<int>(*pt);
      // Static payload types (RFC 3551): no rtpmap needed.
      if (m.payload_type == 0) m.encoding = "PCMU", m.clock_rate = 8000;
      if (m.payload_type == 8) m.encoding = "PCMA", m.clock_rate = 8000;
      sdp.media.push_back(std::move(m));
      continue;
    }
    if (type != 'a') continue;
    const size_t colon = value.find(':');
    const std::string name = lower(value.substr(0, colon));
    const std::string_view attr = colon == std::string_view::npos ? std::string_view() : trim(value.substr(colon + 1));
    if (name == "control") {
      if (sdp.media.empty()) sdp.control = std::string(attr);
      else sdp.media.back().control = std::string(attr);
    } else if (!sdp.media.empty() && name == "rtpmap") {
      apply_rtpmap(sdp.media.back(), attr);
    } else if (!sdp.media.empty() && name == "fmtp") {
      apply_fmtp(sdp.media.back(), attr);
    }
  }
  if (first) throw IngestError(IngestErrc::invalid_sdp, "the DESCRIBE answer is empty");
  if (sdp.media.empty()) throw IngestError(IngestErrc::invalid_sdp, "the SDP has no media section");
  return sdp;
}

}  // namespace zc::ingest
