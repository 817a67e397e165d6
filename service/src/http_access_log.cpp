#include "http_access_log.h"

#include <algorithm>
#include <array>

namespace zc::service::http {

namespace {

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

}  // namespace

std::string escape_for_log(std::string_view s, std::size_t max_bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  const std::size_t n = std::min(s.size(), max_bytes);
  out.reserve(n + 8);
  for (std::size_t i = 0; i < n; ++i) {
    const auto u = static_cast<unsigned char>(s[i]);
    if (u >= 0x20 && u < 0x7F && u != '\\') {
      out += static_cast<char>(u);
    } else {
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  if (s.size() > n) out += "...";
  return out;
}

bool is_credential_name(std::string_view name) {
  // Decoded and lower-cased, so that "%74oken" and "Token" are caught too.
  const std::string n = lower_ascii(url_decode(name, true));
  static constexpr std::array<std::string_view, 9> kParts = {"token", "password", "passwd", "secret", "key",
                                                              "auth", "credential", "session", "signature"};
  return std::any_of(kParts.begin(), kParts.end(), [&](std::string_view p) { return n.find(p) != std::string::npos; });
}

std::string redacted_target(std::string_view target) {
  const auto q = target.find('?');
  if (q == std::string_view::npos) return std::string(target);
  std::string out(target.substr(0, q + 1));
  std::string_view rest = target.substr(q + 1);
  bool first = true;
  while (true) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    if (!first) out += '&';
    first = false;
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos && is_credential_name(pair.substr(0, eq))) {
      out.append(pair.substr(0, eq + 1));
      out += "REDACTED";
    } else {
      out.append(pair);
    }
    if (amp == std::string_view::npos) break;
    rest = rest.substr(amp + 1);
  }
  return out;
}

std::string access_log_line(const Request& req) {
  std::string line = "http: " + escape_for_log(req.remote_addr, 64) + " " + escape_for_log(req.method, 32) + " " +
                     escape_for_log(redacted_target(req.target.empty() ? req.path : req.target));
  // Only the range: headers carry the token (Authorization, Cookie), which never goes into a log.
  if (req.has_header("Range")) line += " range=" + escape_for_log(req.header("Range"), 256);
  return line;
}

}  // namespace zc::service::http
