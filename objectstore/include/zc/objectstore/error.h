// Errors of the object-storage domain. One type, one code per thing a caller decides on differently: retry
// (network, server), stop and tell the operator (auth, invalid_argument), treat as absent (not_found).
#pragma once

#include <stdexcept>
#include <string>

namespace zc::objectstore {

enum class ObjectStoreErrc {
  invalid_argument,  // a bad endpoint, bucket, key or range; nothing was sent
  network,           // no HTTP answer: refused, unreachable, name lookup, TLS, a timeout (connect or stalled)
  auth,              // the store refused the credentials or the signature (HTTP 401/403)
  not_found,         // no such object or bucket (HTTP 404)
  server,            // any other HTTP error answer (5xx, 4xx other than the above); the message has S3's Code
  io,                // a local file could not be read or written; the message carries errno text
  credentials,       // the access key or the secret could not be read (missing file, empty, no variable)
};

const char* to_string(ObjectStoreErrc code) noexcept;

class ObjectStoreError : public std::runtime_error {
 public:
  ObjectStoreError(ObjectStoreErrc code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ObjectStoreErrc code() const noexcept { return code_; }
  // The HTTP status of an answer that was an error (0 when there was no answer).
  long http_status() const noexcept { return http_status_; }
  ObjectStoreError& with_status(long status) noexcept {
    http_status_ = status;
    return *this;
  }

 private:
  ObjectStoreErrc code_;
  long http_status_ = 0;
};

}  // namespace zc::objectstore
