// RTSP authentication as cameras do it: Basic (RFC 7617) and Digest with MD5 (RFC 2617, with or without
// qop=auth). The camera's 401 says which; Digest is preferred when it offers both, since Basic sends the password
// in the clear.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace zc::ingest {

class RtspAuth {
 public:
  RtspAuth() = default;
  RtspAuth(std::string user, std::string password) : user_(std::move(user)), password_(std::move(password)) {}

  bool has_credentials() const noexcept { return !user_.empty(); }
  // Learns the challenge(s) of a 401's WWW-Authenticate headers. Returns false when none is usable (no
  // credentials, or only schemes other than Basic and Digest/MD5).
  bool challenge(const std::vector<std::string_view>& www_authenticate);
  // The Authorization header value for a request, empty before a challenge.
  std::string authorization(std::string_view method, std::string_view uri);

 private:
  enum class Scheme { none, basic, digest } scheme_ = Scheme::none;
  std::string user_, password_;
  std::string realm_, nonce_, opaque_;
  bool qop_auth_ = false;
  uint32_t nonce_count_ = 0;
};

// The MD5 of `data` as 32 lower-case hex digits (Digest's H()).
std::string md5_hex(std::string_view data);

}  // namespace zc::ingest
