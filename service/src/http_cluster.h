// The cluster catalog over HTTP (docs/cluster.md, "In zcrecd"), from any host with a `cluster:` block:
//   GET /api/v1/cluster/cameras                          every camera of every host: {items: [{camera, host,
//                                                        newest_end, newest_end_ms}]}
//   GET /api/v1/cluster/cameras/{name}/footage?from=&to=  its segments on every host, in time order: {items:
//                                                        [{host, start, end, start_ms, end_ms, frames, bytes,
//                                                        writing}]}, the range as the timeline's (default: the
//                                                        last 24 h, at most 8 days)
// 404 without a `cluster:` block, 503 while PostgreSQL cannot be reached.
#pragma once

#include <zc/service/service.h>

#include "http_router.h"

namespace zc::service::http {

void register_cluster_routes(Router& router, Service& service);

}  // namespace zc::service::http
