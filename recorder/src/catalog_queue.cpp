#include "catalog_queue.h"

#include <zc/recorder/error.h>

#include <chrono>
#include <string>
#include <thread>

namespace zc::recorder {

bool CatalogQueue::write(CatalogWrite w) {
  pending_.push_back(std::move(w));
  return flush();
}

bool CatalogQueue::flush() {
  while (!pending_.empty()) {
    try {
      pending_.front()(catalog_);
    } catch (const std::runtime_error& e) {
      if (!is_no_space(e)) throw;
      return false;
    }
    pending_.pop_front();
  }
  return true;
}

void CatalogQueue::flush_at_end(int64_t recording_id) {
  for (int attempt = 0; !flush(); ++attempt) {
    if (attempt == 20) {
      throw RecorderError(RecorderErrc::no_space,
                          "catalog: database or disk is full: the end of recording " + std::to_string(recording_id) +
                              " could not be recorded (zcrec check closes it)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace zc::recorder
