/* c_writer: how a C encoder loop feeds a zcrec live ring, using only <zcrec/fifo.h>.
 *
 * An H.264 encoder hands out each access unit as several NAL units (AUD, SPS and PPS before an IDR, then the
 * slices). The writer declares the access unit's total size, appends the NAL units one by one as they come, and
 * commits; readers never see a partly appended frame.
 *
 * usage: c_writer STREAM FRAMES [GOP]
 * The synthetic NAL units are a pure function of the frame number (see nal_byte) so that a test can check every
 * byte a reader gets back. */
#include <zcrec/fifo.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { kMaxNal = 4096, kSlicesPerFrame = 3 };

static const uint8_t kStartCode[4] = {0, 0, 0, 1};
static const uint8_t kSps[] = {0x67, 0x42, 0xc0, 0x1e, 0xd9, 0x00, 0xa0, 0x47, 0xfe, 0xc8};
static const uint8_t kPps[] = {0x68, 0xce, 0x3c, 0x80};
static const uint8_t kAud[] = {0x09, 0xf0};

/* Body byte i of slice s of frame n; never 0, so no start code can appear inside a NAL. */
static uint8_t nal_byte(uint32_t n, uint32_t s, uint32_t i) { return (uint8_t)(1 + (n * 131u + s * 17u + i * 7u) % 255u); }
static uint32_t slice_bytes(uint32_t n, uint32_t s) { return 200u + (n * 37u + s * 101u) % 1500u; }

static int fail(const char* what, int rc, zc_writer* w) {
  if (w)
    fprintf(stderr, "c_writer: %s: %s (%s)\n", what, zc_strerror(rc), zc_writer_last_error(w));
  else
    fprintf(stderr, "c_writer: %s: %s\n", what, zc_strerror(rc));
  if (w) zc_writer_close(w);
  return 1;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: c_writer STREAM FRAMES [GOP]\n");
    return 2;
  }
  const char* stream = argv[1];
  const uint32_t frames = (uint32_t)strtoul(argv[2], NULL, 10);
  const uint32_t gop = argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 10) : 30;
  if (gop == 0) {
    fprintf(stderr, "c_writer: GOP must be at least 1\n");
    return 2;
  }

  zc_writer* w = NULL;
  int rc = zc_writer_open(stream, 4u << 20, &w);
  if (rc != ZC_OK) return fail("open", rc, NULL);

  uint8_t config[sizeof kStartCode * 2 + sizeof kSps + sizeof kPps];
  size_t at = 0;
  memcpy(config + at, kStartCode, 4), at += 4;
  memcpy(config + at, kSps, sizeof kSps), at += sizeof kSps;
  memcpy(config + at, kStartCode, 4), at += 4;
  memcpy(config + at, kPps, sizeof kPps), at += sizeof kPps;
  zc_track_info track = {0};
  track.track_id = 0;
  track.codec = ZC_CODEC_H264;
  track.time_base_num = 1;
  track.time_base_den = 90000;
  track.width = 640;
  track.height = 360;
  track.config = config;
  track.config_bytes = (uint32_t)at;
  if ((rc = zc_writer_set_tracks(w, &track, 1)) != ZC_OK) return fail("set tracks", rc, w);

  uint8_t nal[kMaxNal];
  for (uint32_t n = 0; n < frames; ++n) {
    const int key = n % gop == 0;
    /* The encoder knows the access unit's size before handing out its NAL units. */
    size_t total = 4 + sizeof kAud;
    if (key) total += 4 + sizeof kSps + 4 + sizeof kPps;
    for (uint32_t s = 0; s < kSlicesPerFrame; ++s) total += 4 + 1 + slice_bytes(n, s);

    zc_frame_meta meta = {0};
    meta.track = 0;
    meta.flags = key ? ZC_FLAG_KEYFRAME : 0;
    meta.pts = meta.dts = (int64_t)n * 3000;
    if ((rc = zc_writer_begin_frame(w, &meta, total)) != ZC_OK) return fail("begin frame", rc, w);
    zc_writer_append(w, kStartCode, 4);
    zc_writer_append(w, kAud, sizeof kAud);
    if (key) {
      zc_writer_append(w, kStartCode, 4);
      zc_writer_append(w, kSps, sizeof kSps);
      zc_writer_append(w, kStartCode, 4);
      zc_writer_append(w, kPps, sizeof kPps);
    }
    for (uint32_t s = 0; s < kSlicesPerFrame; ++s) {
      const uint32_t len = slice_bytes(n, s);
      nal[0] = key ? 0x65 : 0x41; /* IDR slice or non-IDR slice */
      for (uint32_t i = 0; i < len; ++i) nal[1 + i] = nal_byte(n, s, i);
      zc_writer_append(w, kStartCode, 4);
      if ((rc = zc_writer_append(w, nal, 1 + len)) != ZC_OK) return fail("append", rc, w);
    }
    if ((rc = zc_writer_commit(w)) != ZC_OK) return fail("commit", rc, w);
  }
  printf("c_writer: wrote %u frames to stream '%s'\n", frames, stream);
  zc_writer_close(w);
  return 0;
}
