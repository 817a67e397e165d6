#include "camera_state_json.h"

#include <zc/service/camera_state.h>

namespace zc::service {

namespace {

template <typename State, std::size_t N>
nlohmann::json list(const std::array<StateInfo<State>, N>& states) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& s : states)
    out.push_back({{"name", std::string(s.name)}, {"trouble", s.trouble}, {"meaning", std::string(s.meaning)}});
  return out;
}

}  // namespace

nlohmann::json camera_states_json() { return {{"ingest", list(kIngestStates)}, {"recording", list(kRecordingStates)}}; }

}  // namespace zc::service
