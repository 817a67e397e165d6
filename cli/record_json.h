// JSON views of recorder results shared by `zcrec start`, `list`, `check` and `prune`.
#pragma once

#include <zc/catalog/catalog.h>
#include <zc/recorder/recorder.h>
#include <zc/recorder/recovery.h>
#include <zc/catalog/retention.h>

#include <nlohmann/json.hpp>

namespace zc::cli::record {

nlohmann::json to_json(const recorder::RecordingSummary& s);
nlohmann::json to_json(const catalog::RecordingRow& r);
nlohmann::json to_json(const catalog::SegmentRow& s);
nlohmann::json to_json(const catalog::GapRow& g);
nlohmann::json to_json(const recorder::CheckReport& r);
nlohmann::json to_json(const catalog::RetentionReport& r);

}  // namespace zc::cli::record
