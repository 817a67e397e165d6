// `zcrec rm NAME`: removes a stream's shared-memory object and wake FIFOs. Readers that still have it mapped
// keep reading what is there; a live writer is protected unless --force.
#include "commands.h"

#include <zc/fifo/error.h>
#include <zc/fifo/ring_reader.h>
#include <zc/fifo/ring_writer.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace zc::cli {

namespace {

struct RmOptions {
  std::string stream;
  bool force = false;
};

void run_rm(const RmOptions& o) {
  try {
    const auto status = fifo::RingReader::inspect(o.stream);
    if (status.writer_alive && !o.force)
      throw std::runtime_error("stream '" + o.stream + "' has a live writer (pid " +
                               std::to_string(status.writer_pid) + "); stop it first or use --force");
  } catch (const fifo::FifoError& e) {
    // A damaged object under the name is exactly what rm is for; anything else (no such stream, bad name,
    // no permission) is reported as is.
    if (e.code() != fifo::FifoErrc::corrupt_object && e.code() != fifo::FifoErrc::foreign_object) throw;
  }
  fifo::RingWriter::remove(o.stream);
}

}  // namespace

void add_rm_command(CLI::App& app) {
  auto o = std::make_shared<RmOptions>();
  auto* cmd = app.add_subcommand("rm", "Remove a stream's shared-memory ring");
  cmd->add_option("NAME", o->stream, "stream name")->required();
  cmd->add_flag("--force", o->force, "remove it even while its writer is alive");
  cmd->callback([o] { run_rm(*o); });
}

}  // namespace zc::cli
