// Basic and Digest authentication against known answers (RFC 2617's example, and a camera without qop).
#include <zc/ingest/rtsp_auth.h>

#include <gtest/gtest.h>

using namespace zc::ingest;

TEST(RtspAuth, BasicWhenOnlyBasicIsOffered) {
  RtspAuth a("Aladdin", "open sesame");
  ASSERT_TRUE(a.challenge({"Basic realm=\"cam\""}));
  EXPECT_EQ(a.authorization("DESCRIBE", "rtsp://cam/s"), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
}

TEST(RtspAuth, DigestIsPreferredOverBasic) {
  RtspAuth a("admin", "secret");
  ASSERT_TRUE(a.challenge({"Basic realm=\"cam\"", "Digest realm=\"cam\", nonce=\"abc\""}));
  EXPECT_EQ(a.authorization("DESCRIBE", "rtsp://cam/s").rfind("Digest ", 0), 0u);
}

TEST(RtspAuth, DigestWithoutQopAsMostCamerasSendIt) {
  RtspAuth a("admin", "12345");
  ASSERT_TRUE(a.challenge({"Digest realm=\"IP Camera(12345)\", nonce=\"0123456789abcdef\", stale=\"FALSE\""}));
  const std::string ha1 = md5_hex("admin:IP Camera(12345):12345");
  const std::string ha2 = md5_hex("DESCRIBE:rtsp://cam/s");
  const std::string expected = md5_hex(ha1 + ":0123456789abcdef:" + ha2);
  const std::string h = a.authorization("DESCRIBE", "rtsp://cam/s");
  EXPECT_NE(h.find("response=\"" + expected + "\""), std::string::npos) << h;
  EXPECT_NE(h.find("uri=\"rtsp://cam/s\""), std::string::npos);
}

TEST(RtspAuth, DigestWithQopAuthCountsNonces) {
  RtspAuth a("Mufasa", "Circle Of Life");
  ASSERT_TRUE(a.challenge({"Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", "
                           "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\""}));
  const std::string h1 = a.authorization("PLAY", "rtsp://cam/s");
  EXPECT_NE(h1.find("nc=00000001"), std::string::npos) << h1;
  EXPECT_NE(h1.find("opaque=\"5ccc069c403ebaf9f0171e9517f40e41\""), std::string::npos);
  EXPECT_NE(a.authorization("PLAY", "rtsp://cam/s").find("nc=00000002"), std::string::npos);
}

TEST(RtspAuth, KnownMd5) { EXPECT_EQ(md5_hex("abc"), "900150983cd24fb0d6963f7d28e17f72"); }

TEST(RtspAuth, NoCredentialsOrUnknownSchemeIsNotUsable) {
  RtspAuth none;
  EXPECT_FALSE(none.challenge({"Basic realm=\"x\""}));
  RtspAuth a("u", "p");
  EXPECT_FALSE(a.challenge({"Bearer realm=\"x\"", "Digest realm=\"x\", nonce=\"n\", algorithm=SHA-256"}));
}
