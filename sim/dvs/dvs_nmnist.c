/* dvs_nmnist.c: the N-MNIST / N-Caltech101 40-bit binary (Orchard et al. 2015):
 * no header; 5 bytes per event: x, y, polarity bit 7 + 23-bit timestamp (µs).
 * A record with y == 240 is a timestamp-overflow marker, as in the reference reader. */
#include "sim/dvs/dvs_int.h"

/* The reference reader (Orchard's, copied by tonic) adds 2^13 µs per overflow
 * marker; nmsim follows it so that timestamps match the published tools. */
#define NMNIST_OVERFLOW_US 8192
#define NMNIST_OVERFLOW_Y 240

typedef struct nmnist_state {
  int64_t ovf; /* microseconds added by the overflow markers so far */
} nmnist_state;

bool dvs_nmnist_plausible(const unsigned char *p, size_t n) {
  size_t recs = n / 5 < 64 ? n / 5 : 64;
  uint32_t prev = 0;
  if (recs == 0) return false;
  for (size_t i = 0; i < recs; i++, p += 5) {
    if (p[1] > NMNIST_OVERFLOW_Y) return false;
    if (p[1] == NMNIST_OVERFLOW_Y) continue;
    uint32_t t = (uint32_t)(p[2] & 0x7f) << 16 | (uint32_t)p[3] << 8 | p[4];
    if (t < prev) return false;
    prev = t;
  }
  return true;
}

static nmsim_status nmnist_start(dvs_reader *r, nmsim_err *err) {
  (void)err;
  r->info.data_offset = 0;
  return NMSIM_OK;
}

static nmsim_status nmnist_read(dvs_reader *r, dvs_event *ev, size_t cap, size_t *n,
                                nmsim_err *err) {
  nmnist_state *s = r->st;
  nmsim_status rc;
  if (dvs_avail(r) < 5) {
    if ((rc = dvs_fill(r, 5, err))) return rc;
    if (dvs_avail(r) == 0) return r->done = true, NMSIM_OK;
    if (dvs_avail(r) < 5)
      return DVS_BAD(r, err, dvs_pos(r, r->p), "truncated event: %zu of 5 bytes",
                     dvs_avail(r));
  }
  const unsigned char *p = r->p, *end = p + dvs_avail(r) / 5 * 5;
  int64_t ovf = s->ovf;
  size_t k = 0;
  while (k < cap && p < end) {
    unsigned y = p[1];
    if (y == NMNIST_OVERFLOW_Y) {
      ovf += NMNIST_OVERFLOW_US;
    } else {
      ev[k++] = (dvs_event){
          .t_us = ovf + (int64_t)((uint32_t)(p[2] & 0x7f) << 16 | (uint32_t)p[3] << 8 | p[4]),
          .x = p[0],
          .y = (uint16_t)y,
          .p = p[2] >> 7};
    }
    p += 5;
  }
  r->p = p;
  s->ovf = ovf;
  *n = k;
  return NMSIM_OK;
}

const dvs_ops dvs_nmnist_ops = {
    .state_size = sizeof(nmnist_state),
    .start = nmnist_start,
    .read = nmnist_read,
    .fini = NULL,
};
