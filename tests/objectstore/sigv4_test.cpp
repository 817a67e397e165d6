// SigV4 against values AWS published: the Signature Version 4 test suite's "get-vanilla" case (IAM user guide;
// the suite's get-vanilla.creq/.sts/.authz files) and the S3 API reference's "GET Object" example
// ("Authenticating Requests: Using the Authorization Header", examplebucket/test.txt, Range: bytes=0-9).
// s3rver does not check signatures, so these vectors are what proves the signing.
#include <gtest/gtest.h>

#include <zc/objectstore/error.h>
#include <zc/objectstore/sigv4.h>

namespace zc::objectstore {
namespace {

TEST(SigV4, TheSuitesGetVanillaCaseGivesThePublishedCanonicalRequestStringToSignAndSignature) {
  SignableRequest r;
  r.method = "GET";
  r.path = "/";
  r.headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}};
  r.payload_sha256 = std::string(kEmptyPayloadSha256);
  const Signed s = sign_v4(r, {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"},
                           {"us-east-1", "service", "20150830T123600Z"});
  EXPECT_EQ(s.canonical_request,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(s.string_to_sign,
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
  EXPECT_EQ(s.signature, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  EXPECT_EQ(s.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(SigV4, TheS3GetObjectExampleWithARangeGivesThePublishedSignature) {
  SignableRequest r;
  r.method = "GET";
  r.path = "/test.txt";
  r.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
               {"Range", "bytes=0-9"},
               {"x-amz-content-sha256", std::string(kEmptyPayloadSha256)},
               {"x-amz-date", "20130524T000000Z"}};
  r.payload_sha256 = std::string(kEmptyPayloadSha256);
  const Signed s = sign_v4(r, {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"},
                           {"us-east-1", "s3", "20130524T000000Z"});
  EXPECT_EQ(s.canonical_request,
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
            "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
            "x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex(s.canonical_request), "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(s.signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4, QueryParametersAreEncodedAndSortedByNameThenValue) {
  SignableRequest r;
  r.method = "GET";
  r.path = "/";
  r.query = {{"b", "2"}, {"a", "x y"}, {"a", "1"}};
  r.headers = {{"host", "h"}};
  r.payload_sha256 = "UNSIGNED-PAYLOAD";
  EXPECT_EQ(canonical_request(r), "GET\n/\na=1&a=x%20y&b=2\nhost:h\n\nhost\nUNSIGNED-PAYLOAD");
}

TEST(SigV4, HeaderValuesAreTrimmedAndSpacesCollapsed) {
  SignableRequest r;
  r.method = "PUT";
  r.path = "/b/k";
  r.headers = {{"X-Custom", "  a   b  "}, {"Host", "h:9000"}};
  r.payload_sha256 = "abc";
  std::string signed_headers;
  EXPECT_EQ(canonical_request(r, &signed_headers), "PUT\n/b/k\n\nhost:h:9000\nx-custom:a b\n\nhost;x-custom\nabc");
  EXPECT_EQ(signed_headers, "host;x-custom");
}

TEST(SigV4, UriEncodingKeepsUnreservedCharactersAndOptionallySlashes) {
  EXPECT_EQ(uri_encode("cam-1/12_3.mp4~", true), "cam-1/12_3.mp4~");
  EXPECT_EQ(uri_encode("a b/c+d=é", true), "a%20b/c%2Bd%3D%C3%A9");
  EXPECT_EQ(uri_encode("a/b", false), "a%2Fb");
}

TEST(SigV4, AmzDateIsUtcBasicIso8601AndABadOneIsRefused) {
  EXPECT_EQ(amz_date(std::chrono::system_clock::time_point(std::chrono::seconds(1440938160))), "20150830T123600Z");
  SignableRequest r;
  r.method = "GET";
  try {
    sign_v4(r, {"a", "b"}, {"us-east-1", "s3", "2015-08-30"});
    FAIL() << "a malformed date was signed";
  } catch (const ObjectStoreError& e) {
    EXPECT_EQ(e.code(), ObjectStoreErrc::invalid_argument);
  }
}

}  // namespace
}  // namespace zc::objectstore
