// Publishing and reading the SourceBlock of a ring's header page (layout.h): a seqlock written by the ring's
// writer only and read by anyone without a lock.
#pragma once

#include <zc/fifo/source_status.h>

#include "layout.h"

#include <optional>

namespace zc::fifo::source_block {

void publish(layout::SourceBlock& block, const SourceStatus& status) noexcept;
// nullopt when nothing was published, or when the writer kept changing the block while we copied it.
std::optional<SourceStatus> load(const layout::SourceBlock& block) noexcept;

}  // namespace zc::fifo::source_block
