// AWS Signature Version 4 (header form) as pure functions: the same inputs give the same bytes, no clock, no
// I/O. The client calls sign_v4 with the current time; the tests call it with AWS's published example values.
// The spec: "Create a signed AWS API request" (IAM user guide) and S3's "Authenticating Requests (AWS
// Signature Version 4)".
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <zc/objectstore/credentials.h>

namespace zc::objectstore {

// x-amz-content-sha256 of a request without a body: SHA-256 of zero bytes.
inline constexpr std::string_view kEmptyPayloadSha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

struct SignableRequest {
  std::string method;  // "GET", "PUT", ...
  std::string path;    // the URL's path as sent, already URI-encoded ("/bucket/a%20b.mp4"); "" means "/"
  // Query parameters, not encoded; they are encoded and sorted (by name, then value) for the canonical form.
  std::vector<std::pair<std::string, std::string>> query;
  // Every header to sign, names in any case (host and x-amz-date at least; x-amz-content-sha256 for S3).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload_sha256;  // lowercase hex of the body's SHA-256, or "UNSIGNED-PAYLOAD"
};

struct SigningScope {
  std::string region;   // "us-east-1"
  std::string service;  // "s3"
  std::string amz_date; // "20150830T123600Z" (UTC, basic ISO 8601): the request's x-amz-date
};

struct Signed {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signed_headers;  // "host;x-amz-content-sha256;x-amz-date"
  std::string signature;       // lowercase hex
  std::string authorization;   // the Authorization header's value
};

Signed sign_v4(const SignableRequest& request, const Credentials& credentials, const SigningScope& scope);

// The pieces, exposed for tests and for the client.
std::string canonical_request(const SignableRequest& request, std::string* signed_headers = nullptr);
// RFC 3986 unreserved characters stay, everything else is %XX (uppercase); '/' stays when keep_slash.
std::string uri_encode(std::string_view text, bool keep_slash);
std::string sha256_hex(std::string_view bytes);
// HMAC-SHA256 signing key: HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
std::string signing_key(std::string_view secret, std::string_view date_yyyymmdd, std::string_view region,
                        std::string_view service);
std::string hex(std::string_view bytes);
// "20150830T123600Z" of a UTC instant.
std::string amz_date(std::chrono::system_clock::time_point t);

}  // namespace zc::objectstore
