#include "http_message.h"

#include <charconv>
#include <stdexcept>

namespace zc::service::http {

namespace {

char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool header_safe(std::string_view s) noexcept {
  for (const char c : s)
    if (c == '\r' || c == '\n' || c == '\0') return false;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A decimal of at most 18 digits (no sign): -1 when it is not one.
int64_t decimal(std::string_view s) {
  if (s.empty() || s.size() > 18) return -1;
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < 0) return -1;
  return v;
}

}  // namespace

bool CaseInsensitiveLess::operator()(const std::string& a, const std::string& b) const noexcept {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    const char x = lower(a[i]), y = lower(b[i]);
    if (x != y) return static_cast<unsigned char>(x) < static_cast<unsigned char>(y);
  }
  return a.size() < b.size();
}

std::string Request::header(std::string_view name) const {
  const auto it = headers.find(std::string(name));
  return it == headers.end() ? std::string() : it->second;
}

bool Request::has_header(std::string_view name) const { return headers.count(std::string(name)) != 0; }

std::string Request::param(const std::string& name) const {
  const auto it = query.find(name);
  return it == query.end() ? std::string() : it->second;
}

void Response::set_header(const std::string& name, const std::string& value) {
  if (name.empty() || !header_safe(name) || !header_safe(value))
    throw std::invalid_argument("a response header may not hold CR, LF or NUL");
  headers.erase(name);
  headers.emplace(name, value);
}

std::string Response::header(std::string_view name) const {
  const auto it = headers.find(std::string(name));
  return it == headers.end() ? std::string() : it->second;
}

void Response::set_content(std::string text, const std::string& content_type) {
  body = std::move(text);
  provider = nullptr;
  content_length.reset();
  set_header("Content-Type", content_type);
}

void Response::set_content_provider(int64_t length, const std::string& content_type, ContentProvider p) {
  body.clear();
  provider = std::move(p);
  content_length = length;
  set_header("Content-Type", content_type);
}

void Response::set_chunked_content_provider(const std::string& content_type, ContentProvider p,
                                            std::function<void(bool)> end) {
  body.clear();
  provider = std::move(p);
  content_length.reset();
  on_end = std::move(end);
  set_header("Content-Type", content_type);
}

bool valid_utf8(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte (RFC 3629 table)
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;  // no surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;  // nothing past U+10FFFF
    } else {
      return false;  // a continuation byte first, an overlong lead (C0, C1) or F5..FF
    }
    if (i + len > n) return false;
    if (p[i + 1] < lo || p[i + 1] > hi) return false;
    for (std::size_t k = 2; k < len; ++k)
      if (p[i + k] < 0x80 || p[i + k] > 0xBF) return false;
    i += len;
  }
  return true;
}

bool has_control(std::string_view s) noexcept {
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) return true;
  }
  return false;
}

std::string url_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (plus_is_space && s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex_digit(s[i + 1]) >= 0 &&
               hex_digit(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

Params parse_query(std::string_view rest) {
  Params params;
  const auto hash = rest.find('#');
  if (hash != std::string_view::npos) rest = rest.substr(0, hash);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    params.emplace(url_decode(pair.substr(0, eq), true),
                   eq == std::string_view::npos ? std::string() : url_decode(pair.substr(eq + 1), true));
  }
  return params;
}

Ranges parse_ranges(std::string_view h) {
  h = trim(h);
  constexpr std::string_view unit = "bytes=";
  if (h.size() < unit.size()) return {};
  for (std::size_t i = 0; i < unit.size(); ++i)
    if (lower(h[i]) != unit[i]) return {};
  h.remove_prefix(unit.size());
  Ranges out;
  while (true) {
    const auto comma = h.find(',');
    const std::string_view spec = trim(h.substr(0, comma));
    const auto dash = spec.find('-');
    if (dash == std::string_view::npos) return {};
    const std::string_view a = trim(spec.substr(0, dash)), b = trim(spec.substr(dash + 1));
    if (a.empty() && b.empty()) return {};
    const int64_t first = a.empty() ? -1 : decimal(a);
    const int64_t last = b.empty() ? -1 : decimal(b);
    if ((!a.empty() && first < 0) || (!b.empty() && last < 0)) return {};
    out.emplace_back(first, last);
    if (out.size() > 16) return {};  // nobody asks for more; a long list is no reason to do work
    if (comma == std::string_view::npos) break;
    h.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace zc::service::http
