#include <zc/ingest/rtsp_auth.h>

extern "C" {
#include <libavutil/base64.h>
#include <libavutil/md5.h>
}

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <cstring>
#include <random>

namespace zc::ingest {

namespace {

bool istarts_with(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(prefix[i]))) return false;
  return true;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// key=value and key="quoted, value" pairs of a challenge, keys lower-cased.
std::map<std::string, std::string> challenge_params(std::string_view s) {
  std::map<std::string, std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == ',')) ++i;
    const size_t key_start = i;
    while (i < s.size() && s[i] != '=' && s[i] != ',') ++i;
    std::string key = lower(s.substr(key_start, i - key_start));
    while (!key.empty() && key.back() == ' ') key.pop_back();
    if (i >= s.size() || s[i] != '=') continue;
    ++i;
    while (i < s.size() && s[i] == ' ') ++i;
    std::string value;
    if (i < s.size() && s[i] == '"') {
      ++i;
      while (i < s.size() && s[i] != '"') {
        if (s[i] == '\\' && i + 1 < s.size()) ++i;
        value.push_back(s[i++]);
      }
      ++i;
    } else {
      while (i < s.size() && s[i] != ',') value.push_back(s[i++]);
      while (!value.empty() && value.back() == ' ') value.pop_back();
    }
    if (!key.empty()) out[key] = value;
  }
  return out;
}

}  // namespace

std::string md5_hex(std::string_view data) {
  uint8_t digest[16];
  av_md5_sum(digest, reinterpret_cast<const uint8_t*>(data.data()), data.size());
  std::string hex(32, '0');
  static constexpr char kDigits[] = "0123456789abcdef";
  for (int i = 0; i < 16; ++i) {
    hex[2 * i] = kDigits[digest[i] >> 4];
    hex[2 * i + 1] = kDigits[digest[i] & 15];
  }
  return hex;
}

bool RtspAuth::challenge(const std::vector<std::string_view>& www_authenticate) {
  if (!has_credentials()) return false;
  bool basic = false;
  for (std::string_view h : www_authenticate) {
    if (istarts_with(h, "Digest ")) {
      auto p = challenge_params(h.substr(7));
      const std::string algorithm = lower(p["algorithm"]);
      if (!algorithm.empty() && algorithm != "md5") continue;
      if (p["nonce"].empty()) continue;
      scheme_ = Scheme::digest;
      realm_ = p["realm"];
      nonce_ = p["nonce"];
      opaque_ = p["opaque"];
      const std::string qop = lower(p["qop"]);
      qop_auth_ = qop.find("auth") != std::string::npos;
      nonce_count_ = 0;
      return true;
    }
    if (istarts_with(h, "Basic")) basic = true;
  }
  if (basic) {
    scheme_ = Scheme::basic;
    return true;
  }
  return false;
}

std::string RtspAuth::authorization(std::string_view method, std::string_view uri) {
  if (scheme_ == Scheme::basic) {
    const std::string plain = user_ + ":" + password_;
    std::string encoded(AV_BASE64_SIZE(plain.size()), '\0');
    av_base64_encode(encoded.data(), static_cast<int>(encoded.size()), reinterpret_cast<const uint8_t*>(plain.data()),
                     static_cast<int>(plain.size()));
    encoded.resize(std::strlen(encoded.c_str()));
    return "Basic " + encoded;
  }
  if (scheme_ != Scheme::digest) return {};
  const std::string ha1 = md5_hex(user_ + ":" + realm_ + ":" + password_);
  const std::string ha2 = md5_hex(std::string(method) + ":" + std::string(uri));
  std::string header = "Digest username=\"" + user_ + "\", realm=\"" + realm_ + "\", nonce=\"" + nonce_ +
                       "\", uri=\"" + std::string(uri) + "\"";
  if (qop_auth_) {
    char nc[9];
    std::snprintf(nc, sizeof nc, "%08x", ++nonce_count_);
    std::random_device rd;
    char cnonce[17];
    std::snprintf(cnonce, sizeof cnonce, "%08x%08x", rd(), rd());
    const std::string response = md5_hex(ha1 + ":" + nonce_ + ":" + nc + ":" + cnonce + ":auth:" + ha2);
    header += ", response=\"" + response + "\", qop=auth, nc=" + nc + ", cnonce=\"" + cnonce + "\"";
  } else {
    header += ", response=\"" + md5_hex(ha1 + ":" + nonce_ + ":" + ha2) + "\"";
  }
  if (!opaque_.empty()) header += ", opaque=\"" + opaque_ + "\"";
  return header + ", algorithm=MD5";
}

}  // namespace zc::ingest
