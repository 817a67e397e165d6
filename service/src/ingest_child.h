// One camera's ingest process: `zcrec feed SOURCE --stream RING ...`, started by zcrecd or adopted from a zcrecd
// that died (docs/service.md, "Process tree"). Children are not tied to the daemon's life: they run in their
// own session, so a SIGKILLed daemon leaves them feeding their rings, and the next daemon adopts each one whose
// command line parses back to exactly the spec it would start (ingest::parse_ingest_command: same zcrec, ring,
// source and options; the password read from the process's environment) instead of starting a second writer.
// A process is watched through a pidfd, which works for adopted processes too (they are not our children).
//
// Each camera's ingest holds a pid lock (pid_lock.h) on `<storage>/.ingest/<ring>.pid` for its whole life: the
// daemon takes the lock, the child inherits it as its fd 3 and writes its pid into the file before exec, and the
// daemon closes its own copy. So a daemon finds every live ingest of a camera through that file — also one
// that is still connecting and has no ring yet — and a pid in a locked file is a live process (the kernel drops
// the lock when the holder dies), which guards against pid reuse together with /proc/PID/cmdline.
#pragma once

#include <zc/fifo/unique_fd.h>
#include <zc/ingest/ingest_command.h>

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace zc::service {

class IngestChild {
 public:
  // The spec is what runs (ingest::ingest_command(); its zcrec an absolute path) and writes spec.ring; pid_file
  // is the camera's ingest pid lock (ingest_pid_file()).
  IngestChild(ingest::IngestSpec spec, std::filesystem::path pid_file);
  IngestChild(IngestChild&&) noexcept = default;
  IngestChild& operator=(IngestChild&&) noexcept = default;
  ~IngestChild();  // stops the process (stop())

  enum class Start { started, adopted };
  // Adopts the live holder of the camera's pid lock (or, for an ingest started by a zcrecd without pid files,
  // the ring's live writer) when it runs exactly our spec (is_ours()); SIGTERMs (then SIGKILLs) one that is a `zcrec feed`
  // of this ring with other arguments (an old configuration); otherwise starts the process.
  // Throws std::system_error when fork fails, std::runtime_error when the lock's holder or the ring's writer is
  // not a `zcrec feed` of this ring (it is never signalled).
  Start start();
  bool running() const noexcept { return pid_ > 0; }
  pid_t pid() const noexcept { return pid_; }
  // Waits up to `timeout` for the process to end. Returns its exit description ("exit 1", "signal 9",
  // "exited" for an adopted process whose status is its real parent's) once it has ended, else nullopt.
  std::optional<std::string> wait_exit(std::chrono::milliseconds timeout);
  // SIGTERM, then SIGKILL after `grace`; waits for the end. No-op when not running.
  void stop(std::chrono::milliseconds grace = std::chrono::seconds(3));

  const ingest::IngestSpec& spec() const noexcept { return spec_; }
  // Whether the live process `pid` runs exactly this spec.
  bool is_ours(pid_t pid) const;

 private:
  ingest::IngestSpec spec_;
  std::vector<std::string> argv_;  // ingest_command(spec_)
  std::vector<std::string> env_;   // the daemon's environment with the spec's variables (ingest_environment())
  std::string ring_;
  std::filesystem::path pid_file_;
  fifo::UniqueFd lock_;  // the pid lock while this object holds it itself (an ingest adopted from its ring only)
  pid_t pid_ = -1;
  bool ours_ = false;  // forked by this process (waitpid reaps it) or adopted (init reaps it)
  fifo::UniqueFd pidfd_;
};

// The command line of a live process (/proc/PID/cmdline), empty when it cannot be read.
std::vector<std::string> process_cmdline(pid_t pid);
// Its environment as it was exec'd (/proc/PID/environ: KEY=VALUE), empty when it cannot be read.
std::vector<std::string> process_environ(pid_t pid);

// `<storage>/.ingest/<ring>.pid` (a name no camera directory can have: camera names never start with '.').
std::filesystem::path ingest_pid_file(const std::filesystem::path& storage_dir, const std::string& ring);

// Whether a command line is a `zcrec feed ... --stream RING ...` (any binary whose name starts with "zcrec", any
// other arguments): this camera's ingest, maybe of an older configuration or zcrec (it is stopped, not adopted).
bool is_ingest_of(const std::vector<std::string>& cmdline, const std::string& ring);

// SIGTERM, then SIGKILL after `grace`, to a process that is not our child; waits (through a pidfd) for its end.
void terminate_process(pid_t pid, std::chrono::milliseconds grace = std::chrono::seconds(3));

}  // namespace zc::service
