// `zcrec bench rtsp`: what serving a camera's ring over RTSP costs (`zcrec serve`, zc::serve on gst-rtsp-server)
// with 1, 8 and 32 clients, against what the camera's own ingest costs per frame in the same run. One camera:
// the pacer of `bench serve` writes the pre-encoded 1080p30 ~4 Mb/s stream into a FIFO in real time, `zcrec
// feed` puts it into a ring (the ingest, measured as the yardstick), `zcrec serve` offers the ring, and N
// `ffmpeg -rtsp_transport tcp -i URL -c copy -f null -` clients play it (not measured). For each N, once every
// client plays and a warm-up has passed, the CPU of the server and of the ingest is read from /proc around a
// window: a client-frame is the server's CPU divided by N x the frames of the window.
#include "commands_internal.h"
#include "serve.h"

#include <zc/fifo/error.h>
#include <zc/fifo/ring_reader.h>
#include <zc/fifo/ring_writer.h>

#include <nlohmann/json.hpp>

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace zc::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct BenchRtspArgs {
  std::vector<int> clients = {1, 8, 32};
  int seconds = 20;
  int warmup = 3;
  std::string transport = "tcp";
  std::vector<std::string> serve_args;  // added to `zcrec serve`'s command line
  std::string input, dir;
  bool json = false;
};

struct Step {
  int clients = 0;
  double window_s = 0;
  double serve_cpu_s = 0, ingest_cpu_s = 0;
  int64_t frames = 0;  // the camera's frames in the window (written to the ring)
  int64_t dropped = 0;  // frames the server dropped for clients that did not keep up, in the window
  double core_percent() const { return window_s > 0 ? 100 * serve_cpu_s / window_s : 0; }
  double serve_us_per_frame() const { return frames > 0 ? serve_cpu_s * 1e6 / static_cast<double>(frames) : 0; }
  double us_per_client_frame() const { return clients > 0 ? serve_us_per_frame() / clients : 0; }
  double ingest_us_per_frame() const { return frames > 0 ? ingest_cpu_s * 1e6 / static_cast<double>(frames) : 0; }
};

// What one more client costs per frame: the server's CPU per frame above a step with fewer clients (the run's
// first step with the fewest), over the clients added. It leaves out what the server spends per frame whatever
// the number of clients (its ring reader, RTCP, its loop), which a client-frame at one client is mostly made of.
// 0 when no step has fewer clients.
double marginal_us_per_client_frame(const Step& s, const std::vector<Step>& steps) {
  const Step* base = nullptr;
  for (const auto& b : steps)
    if (b.clients < s.clients && b.frames > 0 && (!base || b.clients < base->clients)) base = &b;
  if (!base) return 0;
  return (s.serve_us_per_frame() - base->serve_us_per_frame()) / (s.clients - base->clients);
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

size_t count_matches(const std::string& text, const std::regex& re) {
  return static_cast<size_t>(std::distance(std::sregex_iterator(text.begin(), text.end(), re), std::sregex_iterator()));
}

// Polls `done` every 100 ms for up to `seconds`; throws `what` when it never holds.
template <typename F>
void wait_for(F done, int seconds, const std::string& what) {
  const auto until = Clock::now() + std::chrono::seconds(seconds);
  while (!done()) {
    if (Clock::now() > until) throw std::runtime_error(what);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

class Children {
 public:
  ~Children() { stop_all(); }
  pid_t add(pid_t p) {
    pids_.push_back(p);
    return p;
  }
  void stop_all() {
    for (pid_t p : pids_) ::kill(p, SIGTERM);
    for (pid_t p : pids_) stop_child(p, std::chrono::seconds(5));
    pids_.clear();
  }

 private:
  std::vector<pid_t> pids_;
};

void run_bench_rtsp(const BenchRtspArgs& a) {
  const fs::path tmp = fs::temp_directory_path();
  const fs::path input = a.input.empty() ? cached_input(tmp / "zcrec-bench-serve-input") : fs::path(a.input);
  const fs::path dir = a.dir.empty() ? tmp / ("zcrec-bench-rtsp." + std::to_string(::getpid())) : fs::path(a.dir);
  const std::string zcrec = fs::read_symlink("/proc/self/exe").string();
  const std::string ring = "zbr" + std::to_string(::getpid());
  fs::remove_all(dir);
  fs::create_directories(dir);
  const int max_clients = *std::max_element(a.clients.begin(), a.clients.end());

  std::vector<Step> steps;
  {
    Children camera;
    const fs::path fifo = dir / "camera.h264";
    if (::mkfifo(fifo.c_str(), 0600) != 0) throw std::runtime_error("mkfifo " + fifo.string() + ": " + std::strerror(errno));
    camera.add(spawn_logged({zcrec, "bench", "pace", input.string(), fifo.string()}, dir / "pace.out", dir / "pace.err"));
    const pid_t ingest = camera.add(
        spawn_logged({zcrec, "feed", fifo.string(), "-s", ring}, dir / "feed.out", dir / "feed.err"));
    wait_for([&] {
      try {
        const auto st = fifo::RingReader::inspect(ring);
        return !st.info.tracks.empty() && st.frames_written > 30;
      } catch (const fifo::FifoError&) {
        return false;
      }
    }, 30, "the camera's ring got no stream (see " + dir.string() + ")");
    const fs::path serve_out = dir / "serve.out";
    // The bench's ring has no other reader to keep slots for: every slot may be a client's (up to 32).
    std::vector<std::string> serve_argv = {zcrec, "serve", ring, "--listen", "127.0.0.1:0", "--max-clients",
                                           std::to_string(max_clients), "--reserved-readers", "0"};
    serve_argv.insert(serve_argv.end(), a.serve_args.begin(), a.serve_args.end());
    const pid_t server = camera.add(spawn_logged(serve_argv, serve_out, dir / "serve.err"));
    std::string url;
    wait_for([&] {
      std::smatch m;
      const std::string out = read_text(serve_out);
      if (std::regex_search(out, m, std::regex(R"(serving (rtsp://\S+))"))) url = m[1].str();
      return !url.empty();
    }, 30, "zcrec serve did not start (see " + dir.string() + ")");

    const std::regex playing(R"(starts at keyframe)"), left(R"(: left after)");
    size_t started = 0;
    for (const int n : a.clients) {
      if (!a.json) std::fprintf(stderr, "bench rtsp: %d client(s)...\n", n);
      Children clients;
      for (int i = 0; i < n; ++i)
        clients.add(spawn_logged({"ffmpeg", "-nostdin", "-v", "error", "-rtsp_transport", a.transport, "-i", url, "-c",
                                  "copy", "-f", "null", "-"},
                                 dir / "client.out", dir / "client.err"));
      started += static_cast<size_t>(n);
      wait_for([&] { return count_matches(read_text(serve_out), playing) >= started; }, 60,
               "not every client played within 60 s (see " + dir.string() + ")");
      std::this_thread::sleep_for(std::chrono::seconds(a.warmup));
      const auto before = fifo::RingReader::inspect(ring);
      const double serve0 = proc_cpu_seconds(server), ingest0 = proc_cpu_seconds(ingest);
      const auto t0 = Clock::now();
      std::this_thread::sleep_for(std::chrono::seconds(a.seconds));
      Step s;
      s.clients = n;
      s.serve_cpu_s = proc_cpu_seconds(server) - serve0;
      s.ingest_cpu_s = proc_cpu_seconds(ingest) - ingest0;
      s.window_s = std::chrono::duration<double>(Clock::now() - t0).count();
      const auto after = fifo::RingReader::inspect(ring);
      s.frames = static_cast<int64_t>(after.frames_written - before.frames_written);
      steps.push_back(s);
      clients.stop_all();
      // Their places are free again only once their medias are gone: the next step's clients need them.
      wait_for([&] { return count_matches(read_text(serve_out), left) >= started; }, 60,
               "the server did not see every client leave within 60 s (see " + dir.string() + ")");
    }
  }
  try {
    fifo::RingWriter::remove(ring);
  } catch (const fifo::FifoError&) {
  }
  std::error_code ec;
  fs::remove_all(dir, ec);

  if (a.json) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& s : steps)
      j.push_back({{"clients", s.clients},
                   {"window_s", s.window_s},
                   {"frames", s.frames},
                   {"serve_cpu_s", s.serve_cpu_s},
                   {"serve_core_percent", s.core_percent()},
                   {"serve_us_per_client_frame", s.us_per_client_frame()},
                   {"ingest_us_per_frame", s.ingest_us_per_frame()},
                   {"serve_marginal_us_per_client_frame", marginal_us_per_client_frame(s, steps)},
                   {"client_frame_over_ingest_frame",
                    s.ingest_us_per_frame() > 0 ? s.us_per_client_frame() / s.ingest_us_per_frame() : 0}});
    std::cout << nlohmann::json{{"input", input.string()}, {"transport", a.transport}, {"steps", j}}.dump() << "\n";
    return;
  }
  std::printf("one camera, 1080p30 ~4 Mb/s (%s), clients over RTSP/%s, %d s windows\n", input.c_str(),
              a.transport.c_str(), a.seconds);
  for (const auto& s : steps)
    std::printf("%3d client(s): server %.1f %% of a core, %.1f µs per client-frame; ingest %.1f µs per frame "
                "(client-frame / ingest-frame %.2f; %lld frames)\n",
                s.clients, s.core_percent(), s.us_per_client_frame(), s.ingest_us_per_frame(),
                s.ingest_us_per_frame() > 0 ? s.us_per_client_frame() / s.ingest_us_per_frame() : 0,
                static_cast<long long>(s.frames));
  for (const auto& s : steps)
    if (const double m = marginal_us_per_client_frame(s, steps); m != 0)
      std::printf("%3d client(s): one more client costs %.1f µs per frame (%.2f of an ingest frame)\n", s.clients, m,
                  s.ingest_us_per_frame() > 0 ? m / s.ingest_us_per_frame() : 0);
  std::printf("targets: a client-frame costs no more than an ingest frame; 32 clients take <= 10 %% of one core\n");
}

}  // namespace

void add_rtsp_command(CLI::App& bench) {
  auto a = std::make_shared<BenchRtspArgs>();
  auto* cmd = bench.add_subcommand(
      "rtsp", "CPU of serving one camera's ring over RTSP (zcrec serve) to N clients, against its ingest's CPU per frame");
  cmd->add_option("--clients", a->clients, "client counts to measure, in order")
      ->check(in_range(1, 32))
      ->capture_default_str();
  cmd->add_option("--seconds", a->seconds, "measured window per client count")->check(in_range(2, 3600))->capture_default_str();
  cmd->add_option("--warmup", a->warmup, "seconds after every client plays before the window")
      ->check(in_range(0, 600))
      ->capture_default_str();
  cmd->add_option("--transport", a->transport, "the clients' RTP transport")
      ->check(CLI::IsMember({"tcp", "udp"}))
      ->capture_default_str();
  cmd->add_option("--serve-arg", a->serve_args,
                  "an argument added to `zcrec serve`'s command line, e.g. --serve-arg=--tcp-packet-bytes=1400 "
                  "(repeatable): to compare server settings with one harness");
  cmd->add_option("--input", a->input, "Annex-B H.264 camera stream (default: bench serve's, 6 s of 1080p30 ~4 Mb/s)");
  cmd->add_option("--dir", a->dir, "work directory (fifo, logs; removed at the end)");
  cmd->add_flag("--json", a->json, "one JSON object on stdout");
  cmd->callback([a] { run_bench_rtsp(*a); });
}

}  // namespace zc::bench
