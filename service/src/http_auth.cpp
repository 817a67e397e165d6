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

}  // namespace zc::service::http
