// A snapshot of a ring's state for `zcrec stat` and monitoring, read without attaching as a reader.
#pragma once

#include "shm_object.h"

#include <zc/fifo/ring_reader.h>

namespace zc::fifo {

RingStatus describe_ring(const std::string& name, const AttachedObject& object);

}  // namespace zc::fifo
