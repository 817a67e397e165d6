#include "rtp_loss_monitor.h"

extern "C" {
#include <libavutil/log.h>
}

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>

namespace zc::media::rtp_loss {
namespace {

struct Table {
  std::mutex mutex;
  std::map<const void*, uint64_t> missed;
};

Table& table() {
  static Table t;  // see the header: av_log's callback is process-wide
  return t;
}

void log_callback(void* avcl, int level, const char* fmt, va_list args) {
  if (avcl != nullptr && fmt != nullptr && std::strncmp(fmt, "RTP: missed %d packets", 22) == 0) {
    va_list copy;
    va_copy(copy, args);
    const int n = va_arg(copy, int);
    va_end(copy);
    Table& t = table();
    std::lock_guard lock(t.mutex);
    if (auto it = t.missed.find(avcl); it != t.missed.end() && n > 0) it->second += static_cast<uint64_t>(n);
  }
  av_log_default_callback(avcl, level, fmt, args);
}

}  // namespace

void watch(const void* ctx) {
  static std::once_flag installed;
  std::call_once(installed, [] { av_log_set_callback(log_callback); });
  Table& t = table();
  std::lock_guard lock(t.mutex);
  t.missed[ctx] = 0;
}

void unwatch(const void* ctx) noexcept {
  Table& t = table();
  std::lock_guard lock(t.mutex);
  t.missed.erase(ctx);
}

uint64_t missed(const void* ctx) noexcept {
  Table& t = table();
  std::lock_guard lock(t.mutex);
  const auto it = t.missed.find(ctx);
  return it == t.missed.end() ? 0 : it->second;
}

}  // namespace zc::media::rtp_loss
