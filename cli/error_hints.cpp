#include "error_hints.h"

#include <zc/catalog/error.h>
#include <zc/fifo/error.h>

namespace zc::cli {

namespace {

const char* hint_for(const std::exception& e) {
  if (const auto* f = dynamic_cast<const fifo::FifoError*>(&e)) {
    switch (f->code()) {
      case fifo::FifoErrc::frame_too_large: return "use a larger --ring-size";
      case fifo::FifoErrc::no_space: return "the ring's size is zcrec feed's --ring-size";
      default: return nullptr;
    }
  }
  if (const auto* c = dynamic_cast<const catalog::CatalogError*>(&e)) {
    if (c->code() == catalog::CatalogErrc::no_catalog) return "check --dir or $ZCREC_DIR";
  }
  return nullptr;
}

}  // namespace

std::string message_with_flag_hint(const std::exception& e) {
  std::string m = e.what();
  if (const char* hint = hint_for(e)) m += std::string(" (") + hint + ")";
  return m;
}

}  // namespace zc::cli
