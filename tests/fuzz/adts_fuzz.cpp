// ADTS headers and AudioSpecificConfig (zc/media/adts.h). Input: arbitrary bytes.
// Contract: a parsed header is 7 or 9 bytes, its frame is at least its header, and header() rebuilds an
// equivalent 7-byte header for the payload; an AudioSpecificConfig that parses survives make -> parse.
#include <zc/media/adts.h>
#include <zc/media/error.h>

#include "fuzz_check.h"

using namespace zc::media;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> bytes(data, size);
  if (auto asc = adts::parse_audio_specific_config(bytes)) {
    ZC_FUZZ_CHECK(asc->object_type >= 1 && asc->object_type <= 4);
    ZC_FUZZ_CHECK(asc->frequency_index < 15);
    const auto again = adts::parse_audio_specific_config(adts::make_audio_specific_config(*asc));
    ZC_FUZZ_CHECK(again && again->object_type == asc->object_type &&
                  again->frequency_index == asc->frequency_index && again->channel_config == asc->channel_config);
    // What `zcrec cat --track audio` does with a track's config: every frame gets an ADTS header from it.
    const auto h = adts::header(*asc, 100);
    const auto back = adts::parse_header(h);
    ZC_FUZZ_CHECK(back && back->config.object_type == asc->object_type &&
                  back->config.frequency_index == asc->frequency_index &&
                  back->config.channel_config == asc->channel_config);
  }
  // Walk the input as an ADTS stream, the way ADTS input is split into raw AAC frames.
  size_t off = 0;
  while (off < size) {
    const auto p = adts::parse_header(bytes.subspan(off));
    if (!p) break;
    ZC_FUZZ_CHECK(p->header_bytes == 7 || p->header_bytes == 9);
    ZC_FUZZ_CHECK(p->frame_bytes >= p->header_bytes);
    const size_t payload = p->frame_bytes - p->header_bytes;
    try {
      const auto h = adts::header(p->config, payload);
      const auto back = adts::parse_header(h);
      ZC_FUZZ_CHECK(back && back->header_bytes == 7 && back->frame_bytes == 7 + payload);
      ZC_FUZZ_CHECK(back->config.object_type == p->config.object_type &&
                    back->config.frequency_index == p->config.frequency_index &&
                    back->config.channel_config == p->config.channel_config);
    } catch (const MediaError&) {
      // A config ADTS cannot express (object type > 4 in 2 bits) is refused by a typed error, as documented.
    }
    off += p->frame_bytes;
  }
  return 0;
}
