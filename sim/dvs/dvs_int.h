/* dvs_int.h: what the format decoders of sim/dvs_*.c share: the reader, its
 * fixed-size byte window over the (possibly gzip-compressed) file, header
 * line reading and located format errors. */
#ifndef NMSIM_SIM_DVS_INT_H
#define NMSIM_SIM_DVS_INT_H

#include <string.h>
#include <zlib.h>

#include "sim/dvs/dvs.h"

/* Bytes of the read window: the whole of a reader's file buffering. A format
 * decoder never needs more than this many bytes at once. */
#define DVS_BUF_SIZE (256u * 1024u)
/* Header lines are kept up to this length (longer ones are skipped over). */
#define DVS_LINE_MAX 1024u

typedef struct dvs_ops {
  size_t state_size; /* bytes of the decoder's state, zeroed before start */
  /* Read the header from byte 0 and get ready for the first event; fill
   * r->info. */
  nmsim_status (*start)(dvs_reader *r, nmsim_err *err);
  /* Decode up to cap events (see dvs_read); set r->done at the end. Every call
   * either delivers events, consumes input, ends or fails: never spins. If it
   * fails after decoding some events it sets *n to their number. */
  nmsim_status (*read)(dvs_reader *r, dvs_event *ev, size_t cap, size_t *n, nmsim_err *err);
  /* Free what start allocated (may be NULL); the state is zeroed afterwards. */
  void (*fini)(dvs_reader *r);
} dvs_ops;

struct dvs_reader {
  char *name;            /* path, for messages */
  gzFile gz;             /* file source; NULL for memory */
  unsigned char *buf;    /* DVS_BUF_SIZE bytes (file source) */
  const unsigned char *mem; /* memory source */
  size_t mem_len;
  const unsigned char *p, *end; /* unread bytes of the window */
  uint64_t base;         /* stream offset of the window's first byte */
  uint64_t off_end;      /* stream offset of end */
  bool eof;              /* nothing left to read beyond end */
  dvs_info info;
  const dvs_ops *ops;
  void *st;              /* decoder state */
  bool done;
  nmsim_status failed;   /* sticky error */
  nmsim_err failed_err;
  nmsim_status pending;  /* error to return by the next read */
  nmsim_err pending_err;
};

/* Stream offset of window pointer q. */
static inline uint64_t dvs_pos(const dvs_reader *r, const unsigned char *q) {
  return r->off_end - (uint64_t)(r->end - q);
}
static inline size_t dvs_avail(const dvs_reader *r) { return (size_t)(r->end - r->p); }

static inline uint16_t dvs_le16(const unsigned char *p) {
  return (uint16_t)(p[0] | (unsigned)p[1] << 8);
}
static inline uint32_t dvs_le32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t dvs_le64(const unsigned char *p) {
  return (uint64_t)dvs_le32(p) | (uint64_t)dvs_le32(p + 4) << 32;
}
static inline uint32_t dvs_be32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Copy s into d[cap], truncated. */
static inline void dvs_strcpy(char *d, size_t cap, const char *s) {
  size_t n = strlen(s);
  if (n >= cap) n = cap - 1;
  memcpy(d, s, n);
  d[n] = 0;
}

/* Make at least want (<= DVS_BUF_SIZE) bytes available after r->p unless the
 * file ends first (then fewer are; check dvs_avail). NMSIM_EIO or
 * NMSIM_EFORMAT (corrupt gzip data) on a read error. */
nmsim_status dvs_fill(dvs_reader *r, size_t want, nmsim_err *err);
/* Consume n bytes; *done gets how many there were (fewer at the end). */
nmsim_status dvs_skip(dvs_reader *r, uint64_t n, uint64_t *done, nmsim_err *err);
/* Back to byte 0 of the stream. */
nmsim_status dvs_src_rewind(dvs_reader *r, nmsim_err *err);

/* Record "NAME: at byte OFF: message" as NMSIM_EFORMAT. */
nmsim_status dvs_bad_at(dvs_reader *r, nmsim_err *err, uint64_t off, const char *file, int line,
                        const char *fmt, ...) NMSIM_PRINTF(6, 7);
#define DVS_BAD(r, err, off, ...) dvs_bad_at((r), (err), (off), __FILE__, __LINE__, __VA_ARGS__)

/* If the next byte is lead and starts a line of text (printable bytes, tab,
 * CR, UTF-8) ending in LF or at the end of the file, consume the line and copy
 * it (without lead, CR and LF, truncated to cap-1) to line, *got = true.
 * Otherwise consume nothing and *got = false. A text line longer than the
 * window is an error. */
nmsim_status dvs_line(dvs_reader *r, char lead, char *line, size_t cap, bool *got,
                      nmsim_err *err);

/* Sensor size implied by a camera or chip name ("DVS128", "Davis346red",
 * "DVXplorer", "gen41"); false if not known. */
bool dvs_sensor_size(const char *name, uint32_t *w, uint32_t *h);

/* Prophesee header detection for DVS_AUTO: parse the '%' lines and say which
 * of EVT2, EVT3 or DAT they describe (used by dvs.c). */
nmsim_status dvs_prophesee_detect(dvs_reader *r, dvs_format *fmt, nmsim_err *err);
/* Whether n bytes at p start with the HDF5 signature. */
bool dvs_h5_signature(const unsigned char *p, size_t n);
/* Whether n bytes at p (n >= 5) look like N-MNIST records. */
bool dvs_nmnist_plausible(const unsigned char *p, size_t n);

#endif
