#include "http_auth.h"

#include <cstddef>

namespace zc::service::http {

namespace {

// Walks all of `expected` whatever `given` holds: the loop length is the secret's, not the guess's, and the
// differences are OR-ed together instead of returning at the first one.
bool equal_constant_time(std::string_view given, std::string_view expected) noexcept {
  unsigned diff = given.size() == expected.size() ? 0u : 1u;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const unsigned char g = i < given.size() ? static_cast<unsigned char>(given[i]) : 0;
    diff |= g ^ static_cast<unsigned char>(expected[i]);
  }
  // volatile: keep the compiler from turning the accumulation back into an early exit.
  volatile unsigned result = diff;
  return result == 0;
}

}  // namespace

bool bearer_matches(std::string_view authorization, std::string_view token) noexcept {
  constexpr std::string_view scheme = "Bearer ";
  if (token.empty()) return false;
  if (authorization.size() < scheme.size()) return false;
  // The scheme name is case-insensitive (RFC 7235); the token is not.
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    const char c = authorization[i];
    const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    const char want = (scheme[i] >= 'A' && scheme[i] <= 'Z') ? static_cast<char>(scheme[i] - 'A' + 'a') : scheme[i];
    if (lower != want) return false;
  }
  return equal_constant_time(authorization.substr(scheme.size()), token);
}

std::string token_cookie_value(std::string_view token) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : token) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= '0' && u <= '9') || (u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || u == '-' || u == '.' ||
        u == '_' || u == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

bool cookie_matches(std::string_view cookie_header, std::string_view token) {
  if (token.empty()) return false;
  const std::string expected = token_cookie_value(token);
  // "a=1; zcrecd_token=...; b=2": every pair is compared, so a duplicate cookie cannot shadow the right one.
  bool match = false;
  while (!cookie_header.empty()) {
    const auto end = cookie_header.find(';');
    std::string_view pair = cookie_header.substr(0, end);
    cookie_header = end == std::string_view::npos ? std::string_view{} : cookie_header.substr(end + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos || pair.substr(0, eq) != kTokenCookie) continue;
    match = equal_constant_time(pair.substr(eq + 1), expected) || match;
  }
  return match;
}

}  // namespace zc::service::http
