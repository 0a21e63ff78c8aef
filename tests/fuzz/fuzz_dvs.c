/* fuzz_dvs.c: libFuzzer target of one DVS reader (FUZZ_FORMAT; DVS_AUTO fuzzes
 * detection; FUZZ_GZIP goes through a file and zlib): no crash, hang or sanitizer
 * report, batches within capacity, EFORMAT with an offset, rewind replays alike. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sim/dvs/dvs.h"

#ifndef FUZZ_FORMAT
#define FUZZ_FORMAT DVS_AUTO
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Decode to the end; returns the status, the event count and a checksum. */
static nmsim_status drain(dvs_reader *r, size_t cap, uint64_t *count, uint64_t *sum) {
  static dvs_event ev[256];
  nmsim_err err;
  size_t n;
  nmsim_status rc;
  *count = *sum = 0;
  while ((rc = dvs_read(r, ev, cap, &n, &err)) == NMSIM_OK && n) {
    if (n > cap) abort();
    for (size_t i = 0; i < n; i++)
      *sum = *sum * 31 + (uint64_t)ev[i].t_us + ev[i].x + ((uint64_t)ev[i].y << 16) + ev[i].p;
    *count += n;
  }
  if (rc != NMSIM_OK && rc != NMSIM_EFORMAT && rc != NMSIM_EIO) abort();
  if (rc != NMSIM_OK && !strstr(err.msg, "at byte") && rc == NMSIM_EFORMAT) abort();
  return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  dvs_reader *r = NULL;
  nmsim_err err;
  size_t cap = size ? (size_t)data[size - 1] % 256 + 1 : 1; /* batch size from the input */
#ifdef FUZZ_GZIP
  int fd = memfd_create("fuzz", 0);
  if (fd < 0) return 0;
  if (size && write(fd, data, size) != (ssize_t)size) {
    close(fd);
    return 0;
  }
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  nmsim_status rc = dvs_open(path, FUZZ_FORMAT, &r, &err);
#else
  nmsim_status rc = dvs_open_mem("fuzz", data, size, FUZZ_FORMAT, &r, &err);
#endif
  if (rc == NMSIM_OK) {
    uint64_t n1, s1, n2, s2;
    nmsim_status a = drain(r, cap, &n1, &s1);
#ifndef FUZZ_GZIP
    if (n1 > (uint64_t)size * 6 + 16) abort(); /* at most 12 events per 2-byte word */
#endif
    if (dvs_rewind(r, &err) == NMSIM_OK) {
      nmsim_status b = drain(r, 256, &n2, &s2);
      if (a != b || n1 != n2 || s1 != s2) abort(); /* the same events again */
    }
    dvs_close(r);
  } else if (rc != NMSIM_EFORMAT && rc != NMSIM_EIO) {
    abort();
  }
#ifdef FUZZ_GZIP
  close(fd);
#endif
  return 0;
}
