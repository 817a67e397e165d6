#include "record.h"

#include <zc/fifo/clock.h>
#include <zc/fifo/ring_reader.h>
#include <zc/fifo/ring_writer.h>
#include <zc/recorder/recorder.h>

#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace zc::bench {
namespace {

// This thread's CPU time (CLOCK_THREAD_CPUTIME_ID): a cost, not a time of day, so not the fifo::Clock's.
int64_t thread_cpu_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

double tv_us(const timeval& tv) { return static_cast<double>(tv.tv_sec) * 1e6 + static_cast<double>(tv.tv_usec); }

std::string ring_name(const std::string& what, int i) {
  return "zcbench" + std::to_string(::getpid()) + "_" + what + std::to_string(i);
}

}  // namespace

CpuResult measure_recorder(const EncodedInput& s, const std::filesystem::path& work_dir, int64_t segment_ns) {
  const std::string name = ring_name("cpu", 0);
  fifo::RingOptions ro;
  ro.data_bytes = 1ULL << 28;  // the whole stream fits: the recorder reads it as a backlog, nothing laps
  auto writer = fifo::RingWriter::open(name, ro);
  FeedOptions whole;  // all of it at once, as already captured
  whole.backlog_ns = whole.total_ns = s.duration_ns;
  RingFeeder({&s}, whole).write_backlog(writer);

  recorder::RecorderOptions o;
  o.stream = name;
  o.dir = work_dir / "zcrec";
  o.timing.preroll_ns = s.duration_ns + 1'000'000'000;
  o.timing.postroll_ns = 0;
  o.timing.duration_ns = 0;
  o.segment_ns = segment_ns;
  CpuResult r;
  std::exception_ptr error;
  std::thread t([&] {
    try {
      recorder::SystemClock clock;
      const int64_t cpu0 = thread_cpu_ns();
      auto rec = recorder::Recorder::start(o, clock);
      const auto& sum = rec.run();
      const int64_t cpu1 = thread_cpu_ns();
      r.frames = sum.frames;
      r.segments = sum.segments;
      r.cpu_us_per_frame = static_cast<double>(cpu1 - cpu0) / 1e3 / static_cast<double>(std::max<int64_t>(1, sum.frames));
    } catch (...) {
      error = std::current_exception();
    }
  });
  t.join();
  fifo::RingWriter::remove(name);
  if (error) std::rethrow_exception(error);
  return r;
}

CpuResult measure_ffmpeg(const EncodedInput& s, const std::filesystem::path& work_dir) {
  const auto out_dir = work_dir / "ffmpeg";
  std::filesystem::create_directories(out_dir);
  std::vector<std::string> args = {"ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "h264", "-i", s.path.string(),
                                   "-c", "copy", "-f", "segment", "-segment_time", "10", "-segment_format", "mp4",
                                   (out_dir / "out%03d.mp4").string()};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  if (::posix_spawnp(&pid, "ffmpeg", nullptr, nullptr, argv.data(), environ) != 0) {
    throw std::runtime_error("cannot run ffmpeg");
  }
  int status = 0;
  rusage ru{};
  if (::wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error("the ffmpeg baseline failed");
  }
  CpuResult r;
  r.frames = s.video_frames;
  r.cpu_us_per_frame = (tv_us(ru.ru_utime) + tv_us(ru.ru_stime)) / static_cast<double>(s.video_frames);
  for (const auto& e : std::filesystem::directory_iterator(out_dir)) r.segments += e.is_regular_file();
  return r;
}

ParallelResult measure_parallel(const EncodedInput& s, const std::filesystem::path& work_dir, int streams,
                                double seconds) {
  const fifo::SystemClock clock;  // the measurement's one clock: the rings' pace and the recorders'
  ParallelResult result;
  result.streams = streams;
  std::vector<std::string> names;
  std::vector<fifo::RingWriter> writers;
  fifo::RingOptions ro;
  ro.data_bytes = 8ULL << 20;
  ro.index_entries = 1024;
  for (int i = 0; i < streams; ++i) {
    names.push_back(ring_name("par", i));
    writers.push_back(fifo::RingWriter::open(names.back(), ro));
  }
  const int64_t start = clock.mono_ns();
  const int64_t rec_start = start + 1'200'000'000;  // one GOP of history before recording starts
  const int64_t rec_ns = static_cast<int64_t>(seconds * 1e9);
  const int64_t end = rec_start + rec_ns + 1'000'000'000;
  const std::atomic<bool> no_stop{false};  // each camera ends by itself at `end`
  std::vector<std::thread> feeders;
  for (int i = 0; i < streams; ++i) {
    // Stagger the cameras so their frames do not all arrive in the same microsecond.
    feeders.emplace_back([&, i] {
      const int64_t first = start + (i * 33'333'333LL) / streams;
      while (clock.mono_ns() < first) std::this_thread::sleep_for(std::chrono::microseconds(500));
      FeedOptions camera;
      camera.loop = true;
      camera.total_ns = end - first;
      RingFeeder({&s}, camera).run_realtime(writers[static_cast<size_t>(i)], no_stop);
    });
  }
  while (clock.mono_ns() < rec_start) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  rusage ru0{};
  ::getrusage(RUSAGE_SELF, &ru0);
  const int64_t wall0 = clock.mono_ns();
  std::atomic<int64_t> recorded{0}, lost{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> recorders;
  for (int i = 0; i < streams; ++i) {
    recorders.emplace_back([&, i] {
      try {
        recorder::RecorderOptions o;
        o.stream = names[static_cast<size_t>(i)];
        o.dir = work_dir / "parallel";
        o.timing.preroll_ns = 0;
        o.timing.postroll_ns = 0;
        o.timing.duration_ns = rec_ns;
        o.segment_ns = 10'000'000'000;
        o.recover_on_start = false;
        auto rec = recorder::Recorder::start(o, clock);
        const auto& sum = rec.run();
        recorded += sum.frames;
        lost += sum.frames_lost;
      } catch (const std::exception& e) {
        std::fprintf(stderr, "zcrec bench record: stream %d: %s\n", i, e.what());
        ++failures;
      }
    });
  }
  for (auto& t : recorders) t.join();
  const int64_t wall1 = clock.mono_ns();
  rusage ru1{};
  ::getrusage(RUSAGE_SELF, &ru1);
  for (auto& t : feeders) t.join();
  for (const auto& n : names) fifo::RingWriter::remove(n);
  result.frames_recorded = recorded;
  result.frames_lost = lost + (failures > 0 ? 1 : 0);
  result.wall_s = static_cast<double>(wall1 - wall0) / 1e9;
  const double cpu_us = tv_us(ru1.ru_utime) + tv_us(ru1.ru_stime) - tv_us(ru0.ru_utime) - tv_us(ru0.ru_stime);
  result.cpu_percent = cpu_us / 1e4 / result.wall_s;
  return result;
}

}  // namespace zc::bench
