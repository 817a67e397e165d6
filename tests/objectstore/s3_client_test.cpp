// The libcurl client against a real S3 endpoint (s3rver on 127.0.0.1, tests/support/s3rver.h): bytes round
// trip exactly, errors are typed, a dead store costs a bounded time.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>

#include <zc/objectstore/error.h>
#include <zc/objectstore/s3_client.h>

#include "recorder/support/temp_dir.h"
#include "support/s3rver.h"

namespace zc::objectstore {
namespace {

using namespace std::chrono_literals;
using zc::test::S3rver;
using zc::test::TempDir;

const fifo::SystemClock host_clock;  // stateless: s3rver checks no dates, but a client needs a clock to sign

S3Config config_for(const S3rver& s3, const std::string& bucket = "segments") {
  S3Config c;
  c.endpoint = s3.endpoint();
  c.bucket = bucket;
  c.credentials = {S3rver::kAccessKey, S3rver::kSecretKey};
  c.clock = &host_clock;
  return c;
}

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(gen() & 0xff);
  return s;
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

ObjectStoreErrc code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ObjectStoreError& e) {
    return e.code();
  }
  ADD_FAILURE() << "no ObjectStoreError";
  return ObjectStoreErrc::invalid_argument;
}

TEST(S3Client, PutGetRangeHeadDeleteRoundTripByteExact) {
  TempDir dir("s3_roundtrip");
  S3rver s3(dir.path() / "s3", {"segments"});
  // 5 MiB + 3: more than one read block and a length no power of two.
  const std::string bytes = random_bytes((5u << 20) + 3, 7);
  const auto file = dir.path() / "seg.mp4";
  std::ofstream(file, std::ios::binary) << bytes;

  S3Client client(config_for(s3));
  const std::string key = "cam 1/42-0.mp4";  // a space: the key is URI-encoded in the path it signs
  const ObjectInfo put = client.put_file(key, file);
  EXPECT_EQ(put.size_bytes, bytes.size());
  const ObjectInfo info = client.head(key);
  EXPECT_EQ(info.size_bytes, bytes.size());
  EXPECT_EQ(info.etag, put.etag);

  EXPECT_EQ(client.get_range(key, 0, 10), bytes.substr(0, 10));
  EXPECT_EQ(client.get_range(key, 1u << 20, 123457), bytes.substr(1u << 20, 123457));
  EXPECT_EQ(client.get_range(key, bytes.size() - 5, 100), bytes.substr(bytes.size() - 5)) << "short at the end";
  EXPECT_EQ(client.get_range(key, 3, 0), "");

  const auto back = dir.path() / "back.mp4";
  EXPECT_EQ(client.get_to_file(key, back), bytes.size());
  EXPECT_TRUE(read_file(back) == bytes);

  client.put_bytes("small", "hello");
  EXPECT_EQ(client.get_range("small", 1, 3), "ell");

  client.remove(key);
  EXPECT_EQ(code_of([&] { client.head(key); }), ObjectStoreErrc::not_found);
  client.remove(key);  // again: not an error
}

TEST(S3Client, AMissingObjectOrBucketIsNotFound) {
  TempDir dir("s3_missing");
  S3rver s3(dir.path() / "s3", {"segments"});
  S3Client client(config_for(s3));
  EXPECT_EQ(code_of([&] { client.head("nothing.mp4"); }), ObjectStoreErrc::not_found);
  EXPECT_EQ(code_of([&] { client.get_range("nothing.mp4", 0, 10); }), ObjectStoreErrc::not_found);
  EXPECT_EQ(code_of([&] { client.get_to_file("nothing.mp4", dir.path() / "x"); }), ObjectStoreErrc::not_found);
  S3Client other(config_for(s3, "nobucket"));
  try {
    other.put_bytes("k", "v");
    FAIL() << "a PUT into a missing bucket succeeded";
  } catch (const ObjectStoreError& e) {
    EXPECT_EQ(e.code(), ObjectStoreErrc::not_found);
    EXPECT_EQ(e.http_status(), 404);
    EXPECT_NE(std::string(e.what()).find("NoSuchBucket"), std::string::npos) << e.what();
  }
}

TEST(S3Client, AnUnknownAccessKeyIsAnAuthErrorAndTheSecretIsNeverInTheMessage) {
  TempDir dir("s3_auth");
  S3rver s3(dir.path() / "s3", {"segments"});
  S3Config c = config_for(s3);
  c.credentials = {"NOSUCHKEY", "very-secret-value"};
  S3Client client(c);
  try {
    client.put_bytes("k", "v");
    FAIL() << "an unknown key was accepted";
  } catch (const ObjectStoreError& e) {
    EXPECT_EQ(e.code(), ObjectStoreErrc::auth) << e.what();
    EXPECT_EQ(std::string(e.what()).find("very-secret-value"), std::string::npos) << e.what();
  }
}

// A port nobody listens on: bound, then closed.
int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

TEST(S3Client, ADeadEndpointIsANetworkErrorQuickly) {
  S3Config c;
  c.endpoint = "http://127.0.0.1:" + std::to_string(closed_port());
  c.bucket = "segments";
  c.credentials = {"a", "b"};
  c.clock = &host_clock;
  S3Client client(c);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(code_of([&] { client.head("k"); }), ObjectStoreErrc::network);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
}

TEST(S3Client, AStoreThatAcceptsAndNeverAnswersIsANetworkErrorAfterTheStallTimeout) {
  // A listening socket nobody accepts from: the kernel completes the handshake, no byte ever comes back.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  S3Config c;
  c.endpoint = "http://127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  c.bucket = "segments";
  c.credentials = {"a", "b"};
  c.clock = &host_clock;
  c.stall_timeout = 1s;
  S3Client client(c);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(code_of([&] { client.get_range("k", 0, 10); }), ObjectStoreErrc::network);
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(took, 900ms);
  EXPECT_LT(took, 5s);
  ::close(fd);
}

TEST(S3Client, BadEndpointsAndBucketsAreRefusedBeforeAnythingIsSent) {
  S3Config c;
  c.bucket = "segments";
  c.clock = &host_clock;
  for (const char* e : {"127.0.0.1:9000", "ftp://h", "http://", "http://h/path", "http://u:p@h"}) {
    c.endpoint = e;
    EXPECT_EQ(code_of([&] { S3Client x(c); }), ObjectStoreErrc::invalid_argument) << e;
  }
  c.endpoint = "http://127.0.0.1:9";
  for (const char* b : {"", "ab", "Upper", "a/b", "under_score"}) {
    c.bucket = b;
    EXPECT_EQ(code_of([&] { S3Client x(c); }), ObjectStoreErrc::invalid_argument) << b;
  }
  c.bucket = "segments";
  S3Client client(c);
  EXPECT_EQ(code_of([&] { client.head("/abs"); }), ObjectStoreErrc::invalid_argument);
  EXPECT_EQ(code_of([&] { client.head(""); }), ObjectStoreErrc::invalid_argument);
}

TEST(S3Credentials, FromFilesTheFirstLineAndErrorsNameTheFileNotTheContent) {
  TempDir dir("s3_creds");
  std::ofstream(dir.path() / "ak") << "AKID\n";
  std::ofstream(dir.path() / "sk") << "s3cr3t-value  \nsecond line\n";
  std::ofstream(dir.path() / "empty") << "\n";
  const Credentials c = credentials_from_files(dir.path() / "ak", dir.path() / "sk");
  EXPECT_EQ(c.access_key, "AKID");
  EXPECT_EQ(c.secret_key, "s3cr3t-value");
  try {
    credentials_from_files(dir.path() / "ak", dir.path() / "empty");
    FAIL();
  } catch (const ObjectStoreError& e) {
    EXPECT_EQ(e.code(), ObjectStoreErrc::credentials);
    EXPECT_NE(std::string(e.what()).find("empty"), std::string::npos) << e.what();
  }
  EXPECT_EQ(code_of([&] { credentials_from_files(dir.path() / "nope", dir.path() / "sk"); }),
            ObjectStoreErrc::credentials);
}

TEST(S3Credentials, FromTheEnvironment) {
  ::setenv("AWS_ACCESS_KEY_ID", "AK", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "SK", 1);
  const Credentials c = credentials_from_environment();
  EXPECT_EQ(c.access_key, "AK");
  EXPECT_EQ(c.secret_key, "SK");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
  EXPECT_EQ(code_of([] { credentials_from_environment(); }), ObjectStoreErrc::credentials);
  ::unsetenv("AWS_ACCESS_KEY_ID");
}

}  // namespace
}  // namespace zc::objectstore
