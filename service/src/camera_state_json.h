// The camera states of camera_state.h as JSON, for GET /api/v1/cameras (`states`): the page takes each state's
// meaning (tooltip) and whether it is trouble (marked) from here instead of keeping a list of its own.
#pragma once

#include <nlohmann/json.hpp>

namespace zc::service {

// {"ingest": [{"name", "trouble", "meaning"}, ...], "recording": [...]}, in the enums' order.
nlohmann::json camera_states_json();

}  // namespace zc::service
