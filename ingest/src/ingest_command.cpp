#include <zc/ingest/ingest_command.h>

#include <charconv>
#include <cstdint>
#include <string_view>

namespace zc::ingest {

namespace {

std::optional<int64_t> whole_number(std::string_view s) {
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  // Only the form std::to_string writes ("7", "-7"; never "07", "+7"): a command line is ours or it is not.
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || std::to_string(v) != s) return std::nullopt;
  return v;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX decoded; a '%' not followed by two hex digits stays as it is (users type raw passwords).
std::string percent_decoded(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_digit(s[i + 1]) >= 0 && hex_digit(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

}  // namespace

SplitCredentials split_password(const std::string& url) {
  // As media::redact_credentials reads it: the user-info ends at the last '@' of the authority.
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos) return {url, {}};
  const size_t begin = scheme + 3;
  const size_t end = url.find_first_of("/?#", begin);
  const size_t at = url.rfind('@', end == std::string::npos ? std::string::npos : end);
  if (at == std::string::npos || at < begin) return {url, {}};
  const size_t colon = url.find(':', begin);
  if (colon == std::string::npos || colon > at) return {url, {}};
  return {url.substr(0, colon) + url.substr(at), percent_decoded(std::string_view(url).substr(colon + 1, at - colon - 1))};
}

std::vector<std::string> ingest_command(const IngestSpec& s) {
  std::vector<std::string> a{s.zcrec, "feed", s.source, "--stream", s.ring};
  if (s.ring_size_bytes) a.insert(a.end(), {"--ring-size", std::to_string(*s.ring_size_bytes)});
  if (s.loop) a.push_back("--loop");
  if (s.rtsp_transport) a.insert(a.end(), {"--rtsp-transport", *s.rtsp_transport});
  for (const auto& o : s.input_options) a.insert(a.end(), {"--input-option", o});
  {
    const TestsrcSpec& t = s.testsrc;
    if (t.size) a.insert(a.end(), {"--size", *t.size});
    if (t.fps) a.insert(a.end(), {"--fps", std::to_string(*t.fps)});
    if (t.gop_ms) a.insert(a.end(), {"--gop", std::to_string(*t.gop_ms) + "ms"});
    if (t.codec) a.insert(a.end(), {"--codec", *t.codec});
    if (t.bitrate_bps) a.insert(a.end(), {"--bitrate", std::to_string(*t.bitrate_bps)});
    if (t.audio) a.push_back("--audio");
  }
  return a;
}

std::vector<std::string> ingest_environment(const IngestSpec& s) {
  if (s.password.empty()) return {};
  return {std::string(kPasswordEnv) + "=" + s.password};
}

std::optional<IngestSpec> parse_ingest_command(std::span<const std::string> argv, std::span<const std::string> environ) {
  if (argv.size() < 5 || argv[1] != "feed") return std::nullopt;
  IngestSpec s;
  s.zcrec = argv[0];
  s.source = argv[2];
  if (s.source.empty() || s.source.rfind("--", 0) == 0) return std::nullopt;
  bool have_ring = false;
  TestsrcSpec& t = s.testsrc;
  for (size_t i = 3; i < argv.size(); ++i) {
    const std::string& opt = argv[i];
    // Flags.
    if (opt == "--loop") {
      if (s.loop) return std::nullopt;
      s.loop = true;
      continue;
    }
    if (opt == "--audio") {
      if (t.audio) return std::nullopt;
      t.audio = true;
      continue;
    }
    // Options with a value: each once, except --input-option.
    if (i + 1 >= argv.size()) return std::nullopt;
    const std::string& v = argv[++i];
    const auto once = [](auto& field, auto value) {
      if (field) return false;
      field = std::move(value);
      return true;
    };
    bool ok = true;
    if (opt == "--stream") {
      ok = !have_ring && !v.empty() && v.rfind("--", 0) != 0;
      s.ring = v;
      have_ring = true;
    } else if (opt == "--ring-size") {
      const auto n = whole_number(v);
      ok = n && once(s.ring_size_bytes, *n);
    } else if (opt == "--rtsp-transport") {
      ok = once(s.rtsp_transport, v);  // feed itself refuses anything but tcp and udp
    } else if (opt == "--input-option") {
      s.input_options.push_back(v);
    } else if (opt == "--size") {
      ok = once(t.size, v);
    } else if (opt == "--fps") {
      const auto n = whole_number(v);
      ok = n && *n >= INT32_MIN && *n <= INT32_MAX && once(t.fps, static_cast<int>(*n));
    } else if (opt == "--gop") {
      const bool ms = v.size() > 2 && v.compare(v.size() - 2, 2, "ms") == 0;
      const auto n = ms ? whole_number(std::string_view(v).substr(0, v.size() - 2)) : std::nullopt;
      ok = n && once(t.gop_ms, *n);
    } else if (opt == "--codec") {
      ok = once(t.codec, v);
    } else if (opt == "--bitrate") {
      const auto n = whole_number(v);
      ok = n && once(t.bitrate_bps, *n);
    } else {
      ok = false;  // an option zcrecd never writes
    }
    if (!ok) return std::nullopt;
  }
  if (!have_ring) return std::nullopt;
  for (const auto& kv : environ)
    if (kv.rfind(std::string(kPasswordEnv) + "=", 0) == 0) s.password = kv.substr(std::string(kPasswordEnv).size() + 1);
  return s;
}

}  // namespace zc::ingest
