// JSON views of recorder results shared by `zcrec start`, `list`, `check` and `prune`.
#pragma once

#include <zc/recorder/catalog.h>
#include <zc/recorder/recorder.h>
#include <zc/recorder/recovery.h>
#include <zc/recorder/retention.h>

#include <nlohmann/json.hpp>

namespace zc::cli::record {

nlohmann::json to_json(const recorder::RecordingSummary& s);
nlohmann::json to_json(const recorder::RecordingRow& r);
nlohmann::json to_json(const recorder::SegmentRow& s);
nlohmann::json to_json(const recorder::GapRow& g);
nlohmann::json to_json(const recorder::CheckReport& r);
nlohmann::json to_json(const recorder::RetentionReport& r);

}  // namespace zc::cli::record
