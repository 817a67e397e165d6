#include <zc/ingest/rtsp_url.h>

#include <zc/ingest/error.h>

#include <cctype>
#include <charconv>

namespace zc::ingest {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

bool has_scheme(std::string_view s) {
  const size_t colon = s.find("://");
  if (colon == std::string_view::npos || colon == 0) return false;
  for (size_t i = 0; i < colon; ++i) {
    const char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '-' ||
          c == '.'))
      return false;
  }
  return true;
}

}  // namespace

RtspUrl parse_rtsp_url(std::string_view url) {
  const auto bad = [&](const char* why) { return IngestError(IngestErrc::invalid_url, std::string("not an rtsp:// URL: ") + why); };
  constexpr std::string_view kScheme = "rtsp://";
  if (url.size() < kScheme.size()) throw bad("too short");
  for (size_t i = 0; i < kScheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(url[i])) != kScheme[i]) throw bad("the scheme must be rtsp");
  std::string_view rest = url.substr(kScheme.size());
  const size_t path_at = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_at);
  const std::string_view path = path_at == std::string_view::npos ? std::string_view("/") : rest.substr(path_at);
  RtspUrl u;
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    const size_t colon = userinfo.find(':');
    u.user = percent_decode(userinfo.substr(0, colon));
    if (colon != std::string_view::npos) u.password = percent_decode(userinfo.substr(colon + 1));
  }
  std::string_view host = authority, port;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) throw bad("unterminated IPv6 address");
    host = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') throw bad("junk after the IPv6 address");
      port = after.substr(1);
    }
  } else if (const size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) throw bad("no host");
  u.host = std::string(host);
  if (!port.empty()) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) throw bad("bad port");
    u.port = static_cast<uint16_t>(value);
  }
  const std::string shown_host = host.find(':') != std::string_view::npos ? "[" + u.host + "]" : u.host;
  u.request_url = "rtsp://" + shown_host + (port.empty() ? "" : ":" + std::string(port)) +
                  (path.front() == '?' ? "/" : "") + std::string(path);
  return u;
}

std::string resolve_control(std::string_view base, std::string_view control) {
  while (!control.empty() && (control.front() == ' ' || control.front() == '\t')) control.remove_prefix(1);
  while (!control.empty() && (control.back() == ' ' || control.back() == '\t')) control.remove_suffix(1);
  std::string b(base);
  if (!b.empty() && !has_scheme(b)) b = "rtsp://" + b;  // a Content-Base without its scheme
  if (control.empty() || control == "*") return b;
  if (has_scheme(control)) return std::string(control);
  if (control.front() == '/') {
    // An absolute path: the base's scheme and authority, then the path.
    const size_t authority_end = b.find('/', b.find("://") + 3);
    return (authority_end == std::string::npos ? b : b.substr(0, authority_end)) + std::string(control);
  }
  if (!b.empty() && b.back() != '/') b.push_back('/');
  return b + std::string(control);
}

}  // namespace zc::ingest
