/* C API of zcrec's shared-memory rings, for encoder SDKs and other C code.
 * Every function returns ZC_OK (0) or a negative ZC_E* code; zc_strerror() names a code, and the
 * *_last_error() functions give the full message of the last failure on a handle. Handles are not
 * thread-safe: use one per thread. */
#ifndef ZCREC_FIFO_H
#define ZCREC_FIFO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
  ZC_OK = 0,
  ZC_EINVAL = -1,        /* bad argument or frame */
  ZC_ENAME = -2,         /* invalid stream name */
  ZC_ENOENT = -3,        /* stream does not exist */
  ZC_EBUSY = -4,         /* stream already has a live writer */
  ZC_EFOREIGN = -5,      /* name taken by a non-zcrec object */
  ZC_EOWNER = -6,        /* object belongs to another user */
  ZC_ECORRUPT = -7,      /* ring object fails validation */
  ZC_EKIND = -8,         /* wrong kind of ring */
  ZC_EREADERS = -9,      /* no free reader slot */
  ZC_ETOOBIG = -10,      /* frame larger than the ring allows */
  ZC_ETIMEOUT = -11,     /* nothing arrived in time */
  ZC_EPEER = -12,        /* peer gone (writer dead) */
  ZC_ESYSTEM = -13,      /* OS call failed */
  ZC_ESMALLBUF = -14,    /* caller's buffer too small: header->size says how much is needed */
  ZC_ENOSPC = -15        /* /dev/shm cannot hold the ring */
};

enum { ZC_CODEC_H264 = 1, ZC_CODEC_H265 = 2, ZC_CODEC_AAC = 3, ZC_CODEC_PCM_ALAW = 4, ZC_CODEC_PCM_MULAW = 5,
       ZC_CODEC_OPUS = 6 };
enum { ZC_FLAG_KEYFRAME = 0x01, ZC_FLAG_PARAMS_CHANGED = 0x02, ZC_FLAG_DISCONTINUITY = 0x04,
       ZC_FLAG_DECODE_ONLY = 0x08, ZC_FLAG_END_OF_STREAM = 0x10 };
enum { ZC_START_NEWEST_KEYFRAME = 0, ZC_START_OLDEST_KEYFRAME = 1, ZC_START_NEXT_KEYFRAME = 2,
       ZC_START_NEXT_FRAME = 3 };

typedef struct zc_writer zc_writer;
typedef struct zc_reader zc_reader;

typedef struct zc_track_info {
  uint32_t track_id;
  uint32_t codec;            /* ZC_CODEC_* */
  int32_t time_base_num;     /* e.g. 1 */
  int32_t time_base_den;     /* e.g. 90000 */
  uint32_t width, height;    /* video */
  uint32_t sample_rate, channels; /* audio */
  const uint8_t* config;     /* SPS/PPS(/VPS) Annex-B, or AudioSpecificConfig; may be NULL */
  uint32_t config_bytes;
} zc_track_info;

typedef struct zc_frame_meta {
  uint32_t track;
  uint16_t flags;            /* ZC_FLAG_* */
  int64_t pts, dts;          /* in the track's time base */
  int64_t wall_ns, mono_ns;  /* capture times; 0 = now */
} zc_frame_meta;

typedef struct zc_frame_header {
  zc_frame_meta meta;
  uint64_t seq;
  uint32_t size;             /* payload bytes */
  uint64_t lost_before;      /* frames lost just before this one */
} zc_frame_header;

const char* zc_strerror(int code);

/* ring_bytes 0 = default (64 MiB). */
int zc_writer_open(const char* stream, uint64_t ring_bytes, zc_writer** out);
int zc_writer_set_tracks(zc_writer* w, const zc_track_info* tracks, uint32_t count);
/* A frame from pieces: begin with the total size, append the pieces, commit. */
int zc_writer_begin_frame(zc_writer* w, const zc_frame_meta* meta, size_t total_bytes);
int zc_writer_append(zc_writer* w, const void* data, size_t bytes);
int zc_writer_commit(zc_writer* w);
int zc_writer_write(zc_writer* w, const zc_frame_meta* meta, const void* data, size_t bytes);
/* A finite input is over: readers end at this mark instead of waiting for a new writer (RingWriter::end_stream). */
int zc_writer_end_stream(zc_writer* w);
/* Counts a frame of `bytes` that the caller drops instead of writing (e.g. one that zc_writer_write refused
 * with ZC_ETOOBIG); the next frame written is flagged ZC_FLAG_DISCONTINUITY. Resume at a keyframe. */
int zc_writer_drop_frame(zc_writer* w, size_t bytes);
const char* zc_writer_last_error(const zc_writer* w);
void zc_writer_close(zc_writer* w);

/* wait_ms: how long to wait for the stream to appear (0 = fail at once). */
int zc_reader_open(const char* stream, int start, int wait_ms, zc_reader** out);
/* Copies the next frame into buf (capacity cap); waits up to timeout_ms (0 = do not wait). */
int zc_reader_read(zc_reader* r, zc_frame_header* header, void* buf, size_t cap, int timeout_ms);
/* For epoll: readable when a frame may be available. Call zc_reader_arm() before sleeping (returns 1 if
 * data is already there) and zc_reader_read() after waking. */
int zc_reader_wake_fd(const zc_reader* r);
int zc_reader_arm(zc_reader* r);
uint64_t zc_reader_frames_lost(const zc_reader* r);
const char* zc_reader_last_error(const zc_reader* r);
void zc_reader_close(zc_reader* r);

#ifdef __cplusplus
}
#endif

#endif /* ZCREC_FIFO_H */
