// zc_test_ring_feeder: a camera stand-in for recorder tests. Writes a backlog of real encoded frames into a
// ring, prints "ready", then feeds in real time until --seconds of media have gone by or SIGTERM/SIGINT.
//   zc_test_ring_feeder --ring NAME --input F [--input F2 ...] [--backlog S] [--seconds S] [--loop]
//                       [--ring-mib N] [--wall-jump-at S --wall-jump-ms MS]
#include <zc/bench/ring_feeder.h>

#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>

namespace {
std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop.store(true); }
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"feed real encoded media into a zcrec ring for tests"};
  std::string ring;
  zc::bench::FeedOptions opt;
  double backlog = 0, seconds = 1e9, jump_at = -1, jump_ms = 0;
  uint64_t ring_mib = 32;
  app.add_option("--ring", ring)->required();
  app.add_option("--input", opt.inputs)->required();
  app.add_option("--backlog", backlog);
  app.add_option("--seconds", seconds);
  app.add_flag("--loop", opt.loop);
  app.add_option("--ring-mib", ring_mib);
  app.add_option("--wall-jump-at", jump_at);
  app.add_option("--wall-jump-ms", jump_ms);
  CLI11_PARSE(app, argc, argv);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  try {
    opt.backlog_ns = static_cast<int64_t>(backlog * 1e9);
    opt.total_ns = static_cast<int64_t>(seconds * 1e9);
    opt.wall_jump_at_ns = jump_at < 0 ? -1 : static_cast<int64_t>(jump_at * 1e9);
    opt.wall_jump_ns = static_cast<int64_t>(jump_ms * 1e6);
    zc::bench::RingFeeder feeder(opt);
    zc::fifo::RingOptions ro;
    ro.data_bytes = ring_mib << 20;
    auto writer = zc::fifo::RingWriter::open(ring, ro);
    feeder.write_backlog(writer);
    std::printf("ready\n");
    std::fflush(stdout);
    feeder.run_realtime(writer, g_stop);
    std::printf("done %zu\n", feeder.fed().size());
    std::fflush(stdout);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "zc_test_ring_feeder: %s\n", e.what());
    return 1;
  }
  return 0;
}
