#include <zc/ingest/rtp_track.h>

#include "sps_size.h"

#include <zc/ingest/depacketizer.h>

#include <zc/media/annexb.h>

extern "C" {
#include <libavutil/base64.h>
}

#include <algorithm>
#include <set>
#include <string>
#include <string_view>

namespace zc::ingest {

namespace {

std::vector<uint8_t> base64_decode(std::string_view s) {
  std::string text(s);
  std::vector<uint8_t> out(text.size() * 3 / 4 + 4);
  const int n = av_base64_decode(out.data(), text.c_str(), static_cast<int>(out.size()));
  out.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::vector<uint8_t> hex_decode(std::string_view s) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < s.size(); i += 2) {
    const int hi = hex_value(s[i]), lo = hex_value(s[i + 1]);
    if (hi < 0 || lo < 0) return {};
    out.push_back(static_cast<uint8_t>(hi * 16 + lo));
  }
  return out;
}

// The parameter sets of the SDP's sprop-* attributes (RFC 6184 sprop-parameter-sets; RFC 7798 sprop-vps/sps/pps)
// in zcrec's canonical form.
std::vector<uint8_t> sprop_parameter_sets(fifo::Codec codec, const SdpMedia& m) {
  std::vector<uint8_t> annexb;
  auto add = [&](const char* key) {
    const auto it = m.fmtp.find(key);
    if (it == m.fmtp.end()) return;
    std::string_view list = it->second;
    while (!list.empty()) {
      const size_t comma = list.find(',');
      const auto nal = base64_decode(list.substr(0, comma));
      if (!nal.empty()) media::annexb::append_nal(annexb, nal);
      list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    }
  };
  if (codec == fifo::Codec::h264) {
    add("sprop-parameter-sets");
  } else {
    add("sprop-vps");
    add("sprop-sps");
    add("sprop-pps");
  }
  return media::annexb::parameter_sets(codec, annexb);
}

bool update_config(fifo::Codec codec, std::vector<uint8_t>& config, std::span<const uint8_t> in_band_sets) {
  namespace ab = media::annexb;
  const auto in_band = ab::split(in_band_sets);
  if (in_band.empty()) return false;
  const auto current = ab::split(config);
  const bool all_known = std::ranges::all_of(in_band, [&](ab::Nal n) {
    return std::ranges::any_of(current, [&](ab::Nal c) { return std::ranges::equal(c, n); });
  });
  if (all_known) return false;
  std::set<int> replaced;
  for (ab::Nal n : in_band) replaced.insert(ab::nal_type(codec, n));
  std::vector<uint8_t> next;
  for (ab::Nal c : current)
    if (!replaced.contains(ab::nal_type(codec, c))) ab::append_nal(next, c);
  for (ab::Nal n : in_band) ab::append_nal(next, n);
  config = std::move(next);
  return true;
}

void apply_sps_size(fifo::TrackInfo& t) {
  for (const auto nal : media::annexb::split(t.config))
    if (media::annexb::is_sps(t.codec, nal))
      if (const auto size = parse_sps_size(t.codec, nal)) {
        t.width = size->width;
        t.height = size->height;
        t.bits_per_sample = size->bit_depth;
        return;
      }
}

}  // namespace

fifo::TrackInfo track_info_of(const SdpMedia& m, uint32_t track_id) {
  const fifo::Codec codec = codec_of(m);
  const fifo::MediaKind kind = fifo::media_kind_of(codec);
  fifo::TrackInfo ti;
  ti.track_id = track_id;
  ti.kind = kind;
  ti.codec = codec;
  const uint32_t clock = m.clock_rate > 0 ? m.clock_rate : (kind == fifo::MediaKind::video ? 90000 : 8000);
  ti.time_base = {1, static_cast<int32_t>(clock)};
  if (kind == fifo::MediaKind::video) {
    ti.config = sprop_parameter_sets(codec, m);
    apply_sps_size(ti);
  } else {
    ti.sample_rate = clock;
    ti.channels = m.channels;
    if (codec == fifo::Codec::aac) {
      if (const auto it = m.fmtp.find("config"); it != m.fmtp.end()) ti.config = hex_decode(it->second);
    } else {
      ti.bits_per_sample = 8;
    }
  }
  return ti;
}

bool update_track_config(fifo::TrackInfo& track, std::span<const uint8_t> in_band_sets) {
  if (!update_config(track.codec, track.config, in_band_sets)) return false;
  apply_sps_size(track);
  return true;
}

}  // namespace zc::ingest
