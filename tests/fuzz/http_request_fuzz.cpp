// zcrecd's HTTP layer: any bytes as what a client sends on a connection. They go through the server's request
// parser with the server's bounds (http::parse_request, the same Beast parser and the same checks the server
// runs), then through the API's head checks (access log, token in the URL, authentication) and its router into
// every route's query and body parsing.
//
// The seam: the routes run against FuzzService, a Service of one camera whose storage directory holds a real,
// empty catalog, and whose rings do not exist (a live view answers 503). A real Service would start ingest
// processes per input; what the routes do with the client's bytes is the same against either.
//
// Contract: no crash and no exception out; every answer is 2xx/3xx/4xx or 503 (never 500: a 500 is an
// exception a route did not expect); every error is the JSON error shape with the same status; every log line
// is printable ASCII (nothing a client sends can forge or break one).
#include "http_app.h"
#include "http_request.h"
#include "http_server.h"

#include <zc/catalog/catalog.h>
#include <zc/fifo/clock.h>

#include "fuzz_check.h"

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <filesystem>
#include <string>

using namespace zc::service;

namespace {

class FuzzService final : public Service {
 public:
  explicit FuzzService(std::filesystem::path dir) {
    config_.storage_dir = std::move(dir);
    config_.ring_prefix = "zcfuzz" + std::to_string(::getpid()) + "_";
    CameraConfig cam;
    cam.name = "cam";
    cam.source = "testsrc";
    config_.cameras.push_back(cam);
    zc::catalog::Catalog::open(config_.storage_dir);  // creates the schema: listings read a real catalog
  }
  const zc::fifo::Clock& clock() const override { return clock_; }
  ServiceConfig config() const override { return config_; }
  std::vector<CameraStatus> cameras() const override {
    CameraStatus s;
    s.name = "cam";
    s.ingest_state = IngestState::streaming;
    s.recording_state = RecordingState::idle;
    return {s};
  }
  StorageStatus storage() const override { return {}; }
  std::vector<RetiredCamera> retired_cameras() const override { return {}; }
  // The configured camera only: a retired camera's lookup reads the catalog, which the listings cover already.
  std::string footage_stream(const std::string& name) const override {
    if (name != "cam") throw ServiceError(ServiceError::Kind::not_found, "no camera named " + name);
    return config_.ring_prefix + name;
  }
  int64_t create_event(const std::string& camera, const EventRequest&) override {
    if (camera != "cam") throw ServiceError(ServiceError::Kind::not_found, "no camera named " + camera);
    return 1;
  }
  void end_event(int64_t id) override {
    if (id != 1) throw ServiceError(ServiceError::Kind::not_found, "no event " + std::to_string(id));
  }
  ReloadResult reload() override { return {}; }
  void stop() override {}

 private:
  zc::fifo::SystemClock clock_;
  ServiceConfig config_;
};

bool printable(const std::string& s) {
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7F) return false;
  }
  return true;
}

void check_log(const std::string& line) { ZC_FUZZ_CHECK(printable(line)); }

void check_answer(const http::Response& res) {
  ZC_FUZZ_CHECK(res.status >= 200 && res.status < 600);
  ZC_FUZZ_CHECK(res.status != 500);
  ZC_FUZZ_CHECK(res.status < 500 || res.status == 503);
  for (const auto& [k, v] : res.headers)
    ZC_FUZZ_CHECK(k.find_first_of("\r\n") == std::string::npos && v.find_first_of("\r\n") == std::string::npos);
  if (res.status >= 400) {
    ZC_FUZZ_CHECK(res.header("Content-Type") == "application/json");
    const auto j = nlohmann::json::parse(res.body, nullptr, false);
    ZC_FUZZ_CHECK(j.is_object() && j.contains("error") && j["error"].is_object());
    ZC_FUZZ_CHECK(j["error"].value("status", 0) == res.status);
    ZC_FUZZ_CHECK(j["error"]["message"].is_string());
  }
}

struct World {
  World()
      : dir(std::filesystem::temp_directory_path() / ("zc_http_fuzz_" + std::to_string(::getpid()))),
        service((std::filesystem::create_directories(dir), dir)),
        open(service, "", check_log),
        locked(service, "s3cret-token-of-32-characters-xx", check_log) {}
  ~World() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  std::filesystem::path dir;
  FuzzService service;
  http::App open;    // no token: every route is reached
  http::App locked;  // with a token: the authentication path
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World world;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  // A connection's requests one after another (pipelined), as the server reads them.
  for (int i = 0; i < 4 && !bytes.empty(); ++i) {
    http::ParsedRequest parsed = http::parse_request(bytes, http::kMaxBodyBytes);
    if (parsed.status != 0) {
      ZC_FUZZ_CHECK(parsed.status == 400 || parsed.status == 408 || parsed.status == 413 || parsed.status == 414 ||
                    parsed.status == 431);
      ZC_FUZZ_CHECK(!parsed.message.empty());
      http::Response r;
      http::reply_error(r, parsed.status, parsed.message);
      check_answer(r);
      return 0;
    }
    http::Request& req = parsed.request;
    ZC_FUZZ_CHECK(http::valid_utf8(req.path) && !http::has_control(req.path));
    ZC_FUZZ_CHECK(req.body.size() <= http::kMaxBodyBytes);
    req.remote_addr = "127.0.0.1";

    if (auto refused = world.locked.on_head(req)) check_answer(*refused);
    if (auto refused = world.open.on_head(req)) {
      check_answer(*refused);
    } else {
      (void)world.open.pool_of(req);
      http::Response res;
      world.open.handle(req, res);
      check_answer(res);
      if (res.on_end) res.on_end(false);
    }
    if (parsed.consumed == 0 || parsed.consumed > bytes.size()) break;
    bytes.remove_prefix(parsed.consumed);
  }
  return 0;
}
