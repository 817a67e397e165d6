// zcrecd's log: one line per message on stderr. Under systemd (JOURNAL_STREAM set) each line starts with the
// sd-daemon priority prefix ("<3>", "<4>", "<6>") that journald turns into the entry's priority; elsewhere
// "zcrecd: warning: ..." for a terminal. Thread-safe; lines are written whole.
#pragma once

#include <string>

namespace zc::service {

enum class Level { error = 3, warning = 4, info = 6 };

class Logger {
 public:
  Logger();  // reads JOURNAL_STREAM once
  void operator()(Level level, const std::string& line) const;
  void info(const std::string& line) const { (*this)(Level::info, line); }
  void warning(const std::string& line) const { (*this)(Level::warning, line); }
  void error(const std::string& line) const { (*this)(Level::error, line); }

 private:
  bool journal_ = false;
};

}  // namespace zc::service
