/* fuzz_dvs.c: libFuzzer harness of the DVS readers. The first input byte picks
 * the reader: its low bits modulo DVS_FORMAT_END the format (0: DVS_AUTO, which
 * fuzzes detection; then each format in enum order), its top bit whether the
 * rest goes through a file (dvs_open: gzip is undone transparently) or memory
 * (dvs_open_mem). Checked: no crash, hang, leak or sanitizer report, batches
 * within capacity, EFORMAT with an offset, rewind replays alike. */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sim/dvs/dvs.h"

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
  if (size == 0) return 0;
  dvs_format fmt = (dvs_format)((data[0] & 0x7f) % DVS_FORMAT_END);
  bool via_file = data[0] & 0x80;
  data++, size--;
  dvs_reader *r = NULL;
  nmsim_err err;
  size_t cap = size ? (size_t)data[size - 1] % 256 + 1 : 1; /* batch size from the input */
  nmsim_status rc;
  int fd = -1;
  if (via_file) {
    fd = memfd_create("fuzz", 0);
    if (fd < 0) abort();
    if (size && write(fd, data, size) != (ssize_t)size) abort();
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    rc = dvs_open(path, fmt, &r, &err);
  } else {
    rc = dvs_open_mem("fuzz", data, size, fmt, &r, &err);
  }
  if (rc == NMSIM_OK) {
    uint64_t n1, s1, n2, s2;
    nmsim_status a = drain(r, cap, &n1, &s1);
    if (!via_file && n1 > (uint64_t)size * 6 + 16) abort(); /* at most 12 events per 2-byte word */
    if (dvs_rewind(r, &err) == NMSIM_OK) {
      nmsim_status b = drain(r, 256, &n2, &s2);
      if (a != b || n1 != n2 || s1 != s2) abort(); /* the same events again */
    }
    dvs_close(r);
  } else if (rc != NMSIM_EFORMAT && rc != NMSIM_EIO) {
    abort();
  }
  if (fd >= 0) close(fd);
  return 0;
}
