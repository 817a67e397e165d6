// The S3 client signs with the wall time of the clock it is given (S3Config::clock), not the host's: with a clock
// fixed at the instant of AWS's published SigV4 example (the S3 API reference's "GET Object" example: 2013-05-24
// 00:00:00 UTC, access key AKIAIOSFODNN7EXAMPLE), the request a real HTTP socket receives carries that date and an
// Authorization header for that date.
//
// AWS's published signature itself (f0e8bdb8...) cannot come out of the client: the example is a virtual-host
// request (Host examplebucket.s3.amazonaws.com, path /test.txt) with Range among the signed headers, while the
// client sends path-style requests (/BUCKET/KEY to the endpoint's host:port) and signs host, x-amz-content-sha256
// and x-amz-date only. sigv4_test.cpp pins sign_v4 to the published signature; here the header the client sent
// must be exactly sign_v4's over the request as received, at the example's date, with the example's key.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "support/test_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>

#include <zc/objectstore/error.h>
#include <zc/objectstore/s3_client.h>
#include <zc/objectstore/sigv4.h>

namespace zc::objectstore {
namespace {

// 2013-05-24T00:00:00Z, the date of AWS's example.
class ExampleDateClock final : public fifo::Clock {
 public:
  int64_t mono_ns() const override { return 42; }
  int64_t wall_ns() const override { return 1'369'353'600'000'000'000; }
};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// An HTTP endpoint on 127.0.0.1 that records the first request's head and answers it with ten bytes.
class RecordingStore {
 public:
  RecordingStore() {
    listen_ = test::listen_on_loopback(port_, 1);
    thread_ = std::thread([this] { serve(); });
  }
  ~RecordingStore() {
    ::shutdown(listen_, SHUT_RDWR);
    thread_.join();
    ::close(listen_);
  }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // After the request was answered (the client returned): the request line and the headers, names in lowercase.
  const std::string& request_line() const { return request_line_; }
  const std::map<std::string, std::string>& headers() const { return headers_; }

 private:
  void serve() {
    const int conn = ::accept(listen_, nullptr, nullptr);
    if (conn < 0) return;
    std::string head;
    char buf[4096];
    while (head.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = ::recv(conn, buf, sizeof buf, 0);
      if (n <= 0) break;
      head.append(buf, static_cast<size_t>(n));
    }
    size_t at = head.find("\r\n");
    request_line_ = head.substr(0, at);
    while (at != std::string::npos && at + 2 < head.size()) {
      const size_t next = head.find("\r\n", at + 2);
      const std::string line = head.substr(at + 2, next - at - 2);
      if (const size_t colon = line.find(':'); colon != std::string::npos) {
        const size_t value = line.find_first_not_of(' ', colon + 1);
        headers_[lower(line.substr(0, colon))] = value == std::string::npos ? "" : line.substr(value);
      }
      at = next;
    }
    const std::string answer = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\nConnection: close\r\n\r\n0123456789";
    (void)!::send(conn, answer.data(), answer.size(), MSG_NOSIGNAL);
    ::close(conn);
  }

  int listen_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
  std::string request_line_;
  std::map<std::string, std::string> headers_;
};

TEST(S3ClientClock, RequestsAreSignedAtTheInjectedClocksTimeWithAwsExampleCredentials) {
  RecordingStore store;
  const ExampleDateClock clock;
  S3Config c;
  c.endpoint = store.endpoint();
  c.bucket = "examplebucket";
  c.region = "us-east-1";
  c.credentials = {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"};
  c.clock = &clock;
  S3Client client(c);
  EXPECT_EQ(client.get_range("test.txt", 0, 10), "0123456789");

  EXPECT_EQ(store.request_line(), "GET /examplebucket/test.txt HTTP/1.1");
  const auto& h = store.headers();
  ASSERT_TRUE(h.count("x-amz-date") && h.count("authorization") && h.count("host") && h.count("x-amz-content-sha256"));
  EXPECT_EQ(h.at("x-amz-date"), "20130524T000000Z");
  EXPECT_EQ(h.at("x-amz-content-sha256"), kEmptyPayloadSha256);
  EXPECT_EQ(h.at("range"), "bytes=0-9");

  SignableRequest r;
  r.method = "GET";
  r.path = "/examplebucket/test.txt";
  r.headers = {{"host", h.at("host")}, {"x-amz-content-sha256", h.at("x-amz-content-sha256")}, {"x-amz-date", "20130524T000000Z"}};
  r.payload_sha256 = std::string(kEmptyPayloadSha256);
  const Signed expected = sign_v4(r, c.credentials, {"us-east-1", "s3", "20130524T000000Z"});
  EXPECT_EQ(h.at("authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=" + expected.signature);
}

TEST(S3ClientClock, ARequestWithoutAClockIsRefusedBeforeAnythingIsSent) {
  S3Config c;
  c.endpoint = "http://127.0.0.1:9";
  c.bucket = "examplebucket";
  c.credentials = {"a", "b"};
  S3Client client(c);  // the constructor's checks need no clock (zcrecd's configuration check)
  try {
    client.head("k");
    FAIL() << "signed without a clock";
  } catch (const ObjectStoreError& e) {
    EXPECT_EQ(e.code(), ObjectStoreErrc::invalid_argument) << e.what();
  }
}

}  // namespace
}  // namespace zc::objectstore
