#include "log.h"

#include <unistd.h>

#include <cstdlib>

namespace zc::service {

Logger::Logger() : journal_(std::getenv("JOURNAL_STREAM") != nullptr) {}

void Logger::operator()(Level level, const std::string& line) const {
  std::string out;
  if (journal_) {
    out = "<" + std::to_string(static_cast<int>(level)) + ">" + line + "\n";
  } else {
    const char* tag = level == Level::error ? "error: " : level == Level::warning ? "warning: " : "";
    out = std::string("zcrecd: ") + tag + line + "\n";
  }
  // One write(2) per line: lines from threads and from the ingest children (same stderr) never interleave.
  [[maybe_unused]] const ssize_t n = ::write(STDERR_FILENO, out.data(), out.size());
}

}  // namespace zc::service
