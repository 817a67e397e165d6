#include <zc/objectstore/sigv4.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <ctime>
#include <map>

#include <zc/objectstore/error.h>

namespace zc::objectstore {
namespace {

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len)) {
    throw ObjectStoreError(ObjectStoreErrc::invalid_argument, "HMAC-SHA256 failed");
  }
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); });
  return out;
}

// A header value as SigV4 wants it: surrounding spaces cut, runs of spaces inside made one.
std::string trim_all(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

}  // namespace

std::string hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string sha256_hex(std::string_view bytes) {
  unsigned char out[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), out);
  return hex(std::string_view(reinterpret_cast<const char*>(out), sizeof out));
}

std::string uri_encode(std::string_view text, bool keep_slash) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                            c == '-' || c == '_' || c == '.' || c == '~';
    if (unreserved || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += digits[c >> 4];
      out += digits[c & 15];
    }
  }
  return out;
}

std::string canonical_request(const SignableRequest& request, std::string* signed_headers_out) {
  std::vector<std::pair<std::string, std::string>> query;
  for (const auto& [k, v] : request.query) query.emplace_back(uri_encode(k, false), uri_encode(v, false));
  std::sort(query.begin(), query.end());
  // Same-named headers are one line, values joined by ',' in the order given.
  std::map<std::string, std::string> headers;
  for (const auto& [name, value] : request.headers) {
    auto& slot = headers[lower(trim_all(name))];
    if (!slot.empty()) slot += ',';
    slot += trim_all(value);
  }
  std::string out = request.method + '\n' + (request.path.empty() ? std::string("/") : request.path) + '\n';
  for (std::size_t i = 0; i < query.size(); ++i) {
    if (i) out += '&';
    out += query[i].first + '=' + query[i].second;
  }
  out += '\n';
  std::string signed_headers;
  for (const auto& [name, value] : headers) {
    out += name + ':' + value + '\n';
    if (!signed_headers.empty()) signed_headers += ';';
    signed_headers += name;
  }
  out += '\n' + signed_headers + '\n' + request.payload_sha256;
  if (signed_headers_out) *signed_headers_out = signed_headers;
  return out;
}

std::string signing_key(std::string_view secret, std::string_view date, std::string_view region,
                        std::string_view service) {
  const std::string k_date = hmac_sha256("AWS4" + std::string(secret), date);
  const std::string k_region = hmac_sha256(k_date, region);
  const std::string k_service = hmac_sha256(k_region, service);
  return hmac_sha256(k_service, "aws4_request");
}

std::string amz_date(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm utc{};
  gmtime_r(&secs, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &utc);
  return buf;
}

Signed sign_v4(const SignableRequest& request, const Credentials& credentials, const SigningScope& scope) {
  if (scope.amz_date.size() != 16 || scope.amz_date[8] != 'T' || scope.amz_date[15] != 'Z') {
    throw ObjectStoreError(ObjectStoreErrc::invalid_argument,
                           "the signing time must be YYYYMMDDTHHMMSSZ, not \"" + scope.amz_date + "\"");
  }
  Signed s;
  s.canonical_request = canonical_request(request, &s.signed_headers);
  const std::string date = scope.amz_date.substr(0, 8);
  const std::string credential_scope = date + '/' + scope.region + '/' + scope.service + "/aws4_request";
  s.string_to_sign =
      "AWS4-HMAC-SHA256\n" + scope.amz_date + '\n' + credential_scope + '\n' + sha256_hex(s.canonical_request);
  s.signature = hex(hmac_sha256(signing_key(credentials.secret_key, date, scope.region, scope.service),
                                s.string_to_sign));
  s.authorization = "AWS4-HMAC-SHA256 Credential=" + credentials.access_key + '/' + credential_scope +
                    ", SignedHeaders=" + s.signed_headers + ", Signature=" + s.signature;
  return s;
}

}  // namespace zc::objectstore
