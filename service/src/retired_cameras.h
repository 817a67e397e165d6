// Footage by the name it was recorded under. The API speaks of cameras, the catalog of streams (ring_prefix +
// camera); a camera renamed or removed by a reload is no longer in the configuration but its stream stays in the
// catalog until retention has deleted its footage. These look a name up in both. docs/service.md,
// "Retired cameras".
#pragma once

#include <zc/catalog/catalog.h>
#include <zc/service/config.h>
#include <zc/service/service.h>

#include <optional>
#include <string>
#include <vector>

namespace zc::service {

// A configured camera's ring; else the stream ring_prefix + name, or one named `name` itself, when the catalog
// has it. nullopt for neither.
std::optional<std::string> find_footage_stream(const ServiceConfig& config, const catalog::Catalog& catalog,
                                               const std::string& name);

// Every catalog stream with footage that is no configured camera's, by name.
std::vector<RetiredCamera> find_retired_cameras(const ServiceConfig& config, const catalog::Catalog& catalog);

}  // namespace zc::service
