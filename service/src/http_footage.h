// What the CLI can do to footage, over HTTP (docs/service.md, "Footage over HTTP"):
//   POST /api/v1/recordings/{id}/lock, /unlock   retention never deletes a locked recording (zcrec lock/unlock)
//   DELETE /api/v1/recordings/{id}               its segments, two-phase; 409 while locked or being written
//   POST /api/v1/events/{id}/lock, /unlock, DELETE /api/v1/events/{id}/footage
//                                                the same for the recording an event made (409 for an event over
//                                                continuous footage: it owns no recording of its own)
//   GET /api/v1/storage                          per camera: bytes, segments, oldest and newest footage, days kept;
//                                                the filesystem's free and total bytes
#pragma once

#include <zc/service/service.h>

#include "http_router.h"

namespace zc::service::http {

void register_footage_routes(Router& router, Service& service);

}  // namespace zc::service::http
