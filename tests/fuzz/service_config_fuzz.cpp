// zcrecd's YAML configuration (service/src/config.cpp on yaml-cpp): any bytes as a config file.
// Contract: the text is refused with ConfigError only (never another exception, never a crash or a stack
// overflow on deep nesting), naming a line within the text; or accepted as a configuration whose every value is
// within the documented bounds (service/include/zc/service/config.h), and parsing it again gives the same.
#include <zc/service/config.h>

#include "fuzz_check.h"

#include <regex>
#include <string>

using namespace zc::service;

namespace {

void check_accepted(const ServiceConfig& c) {
  static const std::regex name(R"([A-Za-z0-9_][A-Za-z0-9_.-]{0,63})");
  ZC_FUZZ_CHECK(!c.storage_dir.empty());
  ZC_FUZZ_CHECK(c.segment_ns >= 1'000'000'000);
  ZC_FUZZ_CHECK(c.retention_interval_ns >= 1'000'000'000);
  ZC_FUZZ_CHECK(c.event_max_age_ns >= 0);
  ZC_FUZZ_CHECK(c.token.empty() || c.token.size() >= 16);
  const bool loopback = c.listen.rfind("127.", 0) == 0 || c.listen.rfind("localhost:", 0) == 0 ||
                        c.listen.rfind("[::1]:", 0) == 0 || c.listen.rfind("::1:", 0) == 0;
  ZC_FUZZ_CHECK(loopback || !c.token.empty());
  for (const auto& p : {c.retention}) {
    ZC_FUZZ_CHECK(!p.quota_bytes || *p.quota_bytes >= 1);
    ZC_FUZZ_CHECK(!p.min_free_bytes || *p.min_free_bytes >= 1);
    ZC_FUZZ_CHECK(!p.max_age_ns || *p.max_age_ns >= 0);
  }
  for (const auto& cam : c.cameras) {
    ZC_FUZZ_CHECK(std::regex_match(cam.name, name));
    ZC_FUZZ_CHECK(c.ring_name(cam).size() <= 64);
    ZC_FUZZ_CHECK(!cam.source.empty());
    ZC_FUZZ_CHECK(cam.ring_size_bytes >= (1 << 20));
    ZC_FUZZ_CHECK(cam.events.preroll_ns >= 0 && cam.events.postroll_ns >= 0);
    ZC_FUZZ_CHECK(!cam.events.max_length_ns || *cam.events.max_length_ns > 0);
    ZC_FUZZ_CHECK(cam.rtsp_transport == "tcp" || cam.rtsp_transport == "udp");
    ZC_FUZZ_CHECK(cam.testsrc.fps >= 1 && cam.testsrc.fps <= 240);
    ZC_FUZZ_CHECK(cam.testsrc.codec == "h264" || cam.testsrc.codec == "h265");
    ZC_FUZZ_CHECK(c.camera(cam.name) == &cam);  // names are unique
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  int lines = 1;
  for (char ch : text) lines += ch == '\n';
  try {
    const ServiceConfig c = parse_config(text, "fuzz.yaml");
    check_accepted(c);
    const ServiceConfig again = parse_config(text, "fuzz.yaml");
    ZC_FUZZ_CHECK(again.cameras.size() == c.cameras.size());
    for (size_t i = 0; i < c.cameras.size(); ++i) ZC_FUZZ_CHECK(same_camera(again.cameras[i], c.cameras[i]));
  } catch (const ConfigError& e) {
    ZC_FUZZ_CHECK(e.line() >= 0 && e.line() <= lines + 1);
    ZC_FUZZ_CHECK(std::string(e.what()).size() > 0);
  }
  return 0;
}
