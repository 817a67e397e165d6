// One camera's ingest process: `zcrec feed SOURCE --stream RING ...`, started by zcrecd or adopted from a zcrecd
// that died (docs/service.md, "Process tree"). Children are not tied to the daemon's life: they run in their
// own session, so a SIGKILLed daemon leaves them feeding their rings, and the next daemon adopts each one whose
// command line is exactly what it would start (same zcrec, same arguments) instead of starting a second writer.
// A process is watched through a pidfd, which works for adopted processes too (they are not our children).
#pragma once

#include <zc/fifo/unique_fd.h>

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace zc::service {

class IngestChild {
 public:
  // The argv (argv[0] = zcrec's absolute path) is what runs; the ring is the writer it expects.
  IngestChild(std::vector<std::string> argv, std::string ring);
  IngestChild(IngestChild&&) noexcept = default;
  IngestChild& operator=(IngestChild&&) noexcept = default;
  ~IngestChild();  // stops the process (stop())

  enum class Start { started, adopted };
  // Adopts the ring's live writer when it runs exactly our argv; SIGTERMs (then SIGKILLs) a live writer that is a
  // `zcrec feed` of this ring with other arguments (an old configuration); otherwise starts the process.
  // Throws std::system_error when fork fails, std::runtime_error when the ring's writer is a foreign process.
  Start start();
  bool running() const noexcept { return pid_ > 0; }
  pid_t pid() const noexcept { return pid_; }
  // Waits up to `timeout` for the process to end. Returns its exit description ("exit 1", "signal 9",
  // "exited" for an adopted process whose status is its real parent's) once it has ended, else nullopt.
  std::optional<std::string> wait_exit(std::chrono::milliseconds timeout);
  // SIGTERM, then SIGKILL after `grace`; waits for the end. No-op when not running.
  void stop(std::chrono::milliseconds grace = std::chrono::seconds(3));

  const std::vector<std::string>& argv() const noexcept { return argv_; }

 private:
  std::vector<std::string> argv_;
  std::string ring_;
  pid_t pid_ = -1;
  bool ours_ = false;  // forked by this process (waitpid reaps it) or adopted (init reaps it)
  fifo::UniqueFd pidfd_;
};

// The command line of a live process (/proc/PID/cmdline), empty when it cannot be read.
std::vector<std::string> process_cmdline(pid_t pid);

}  // namespace zc::service
