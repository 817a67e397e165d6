// A client of one bucket of an S3-compatible store (AWS S3, Ceph radosgw, s3rver in the tests): a move-only
// owner of one libcurl easy handle (connections are reused between requests). Not thread-safe: one thread uses
// a client at a time (the uploader has its own, each clip request its own).
//
// Path-style URLs (ENDPOINT/BUCKET/KEY): they work with every S3-compatible store and with an IP endpoint,
// which virtual-host style cannot. Every request is signed with Signature Version 4 (sigv4.h). Bodies are
// signed by their SHA-256 (x-amz-content-sha256), never UNSIGNED-PAYLOAD: put_file reads the file once to hash
// it and once to send it, and the store refuses (XAmzContentSHA256Mismatch) a body that changed in between,
// so a segment is never stored half-rewritten. A segment is read from the page cache the second time.
//
// Errors: ObjectStoreError with network (no answer, a timeout), auth (401/403), not_found (404), server (any
// other error answer, with S3's <Code> in the message), io (the local file), invalid_argument. Credentials
// never appear in a message, a log line or libcurl's verbose output (which is off).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include <zc/fifo/clock.h>
#include <zc/objectstore/credentials.h>

namespace zc::objectstore {

struct S3Config {
  std::string endpoint;  // "http://127.0.0.1:9000" or "https://s3.eu-west-1.amazonaws.com": scheme, host, port; no path
  std::string bucket;    // 3..63 characters of [a-z0-9.-]
  std::string region = "us-east-1";
  Credentials credentials;
  // No TCP connection within this: network error (a dead host costs this, not the kernel's minutes).
  std::chrono::milliseconds connect_timeout{3000};
  // Less than 1 byte/s for this long, in either direction: network error (a store that stopped answering).
  std::chrono::milliseconds stall_timeout{30000};
  // The owner's clock (zc/fifo/clock.h), which must outlive the client: every request is signed with its wall
  // time (x-amz-date; a store refuses a date more than 15 minutes off its own). Required for a request
  // (invalid_argument without it), not for the checks of the constructor.
  const fifo::Clock* clock = nullptr;
};

struct ObjectInfo {
  std::uint64_t size_bytes = 0;
  std::string etag;  // as the store sent it, quotes removed
};

class S3Client {
 public:
  // Checks the endpoint and the bucket name (invalid_argument); connects at the first request.
  explicit S3Client(S3Config config);
  S3Client(S3Client&& o) noexcept;
  S3Client& operator=(S3Client&& o) noexcept;
  S3Client(const S3Client&) = delete;
  S3Client& operator=(const S3Client&) = delete;
  ~S3Client();

  // PUT of the whole file, streamed from disk (never held in memory). Returns what HEAD would.
  ObjectInfo put_file(const std::string& key, const std::filesystem::path& file);
  // PUT of bytes in memory (small objects, tests).
  ObjectInfo put_bytes(const std::string& key, const std::string& bytes);
  // Bytes [offset, offset + length) of the object; fewer only at its end. length 0: empty.
  std::string get_range(const std::string& key, std::uint64_t offset, std::uint64_t length);
  // The whole object into `file` (created or truncated), streamed; returns its size in bytes.
  std::uint64_t get_to_file(const std::string& key, const std::filesystem::path& file);
  // The whole object written to an open descriptor from its current position (an unnamed temporary file, say).
  std::uint64_t get_to_fd(const std::string& key, int fd);
  ObjectInfo head(const std::string& key);
  // DELETE; deleting an object that does not exist is not an error (S3 answers 204 either way).
  void remove(const std::string& key);

  const S3Config& config() const noexcept { return config_; }

 private:
  struct Handle;
  S3Config config_;
  std::string scheme_;     // "http" / "https"
  std::string authority_;  // "host[:port]": the Host header that is signed
  std::unique_ptr<Handle> handle_;
};

}  // namespace zc::objectstore
