#include <zc/media/source_url.h>

#include <zc/media/error.h>

#include <cstdio>

namespace zc::media {
namespace {

// Where the user-info of scheme://[userinfo@]host... ends ('@'), or npos. The authority ends at the first '/',
// '?' or '#' after the scheme; a password may itself contain '@' only percent-encoded (RFC 3986), but users
// type raw ones, so the last '@' of the authority is the separator.
struct Authority {
  size_t begin = std::string::npos;  // first character after "://"
  size_t at = std::string::npos;     // the '@' ending the user-info
};

Authority authority_of(const std::string& url) {
  Authority a;
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos) return a;
  a.begin = scheme + 3;
  const size_t end = url.find_first_of("/?#", a.begin);
  const size_t at = url.rfind('@', end == std::string::npos ? std::string::npos : end);
  if (at != std::string::npos && at >= a.begin) a.at = at;
  return a;
}

}  // namespace

std::string redact_credentials(const std::string& url) {
  const Authority a = authority_of(url);
  if (a.at == std::string::npos) return url;
  const size_t colon = url.find(':', a.begin);
  if (colon == std::string::npos || colon > a.at) return url;  // a user without a password
  return url.substr(0, colon + 1) + "***" + url.substr(a.at);
}

std::string with_password(const std::string& url, const std::string& password) {
  const Authority a = authority_of(url);
  if (a.at == std::string::npos)
    throw MediaError(MediaErrc::invalid_argument,
                     "a password needs a user in the URL, e.g. rtsp://admin@camera/stream: " + redact_credentials(url));
  const size_t colon = url.find(':', a.begin);
  if (colon != std::string::npos && colon < a.at)
    throw MediaError(MediaErrc::invalid_argument, "the URL already carries a password: " + redact_credentials(url));
  std::string encoded;
  for (const unsigned char c : password) {
    const bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                       c == '.' || c == '_' || c == '~';
    if (plain) {
      encoded += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      encoded += buf;
    }
  }
  return url.substr(0, a.at) + ":" + encoded + url.substr(a.at);
}

}  // namespace zc::media
