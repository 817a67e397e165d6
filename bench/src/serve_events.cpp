#include "serve.h"

#include <httplib.h>

#include <random>

namespace zc::bench {

EventPoster::EventPoster(std::string host, int port, std::vector<std::string> cameras, double per_s)
    : host_(std::move(host)), port_(port), cameras_(std::move(cameras)), per_s_(per_s) {
  if (per_s_ > 0 && !cameras_.empty()) thread_ = std::jthread([this](const std::stop_token& st) { loop(st); });
}

EventPoster::~EventPoster() { stop(); }

EventLatencies EventPoster::stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
  return result_;
}

void EventPoster::loop(const std::stop_token& stop) {
  std::mt19937_64 rng(std::random_device{}());
  std::exponential_distribution<double> gap(per_s_);
  std::uniform_int_distribution<size_t> pick(0, cameras_.size() - 1);
  const std::string body = R"({"duration": 1})";
  while (!stop.stop_requested()) {
    const int64_t next_ns = clock_.mono_ns() + static_cast<int64_t>(gap(rng) * 1e9);
    while (!stop.stop_requested() && clock_.mono_ns() < next_ns)
      std::this_thread::sleep_for(std::min<std::chrono::nanoseconds>(std::chrono::nanoseconds(next_ns - clock_.mono_ns()),
                                                                     std::chrono::milliseconds(50)));
    if (stop.stop_requested()) break;
    // A new client per request: the latency includes connecting, as for a `curl` from a door controller.
    httplib::Client c(host_, port_);
    c.set_connection_timeout(5);
    c.set_read_timeout(5);
    const std::string path = "/api/v1/cameras/" + cameras_[pick(rng)] + "/events";
    const int64_t t0 = clock_.mono_ns();
    const auto r = c.Post(path, body, "application/json");
    const double ms = static_cast<double>(clock_.mono_ns() - t0) / 1e6;
    if (r && r->status == 201) result_.ms.push_back(ms);
    else ++result_.failed;
  }
}

}  // namespace zc::bench
