/* bench_dvs.c: decoding rate (events/s) of every DVS reader on generated
 * files from a warm page cache, one core. Usage: bench_dvs [MEVENTS] [DIR]
 * (default 20 million events per file, files in /tmp, removed afterwards). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "sim/dvs/dvs.h"
#include "tests/dvs_gen.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Decode path once; returns seconds, *n events; exits on error. */
static double decode(const char *path, uint64_t *n) {
  static dvs_event ev[4096];
  dvs_reader *r = NULL;
  nmsim_err err = {0};
  double t0 = now_s();
  if (dvs_open(path, DVS_AUTO, &r, &err)) {
    fprintf(stderr, "bench_dvs: %s\n", err.msg);
    exit(1);
  }
  size_t k;
  uint64_t sum = 0;
  *n = 0;
  nmsim_status rc;
  while ((rc = dvs_read(r, ev, 4096, &k, &err)) == NMSIM_OK && k) {
    *n += k;
    sum += (uint64_t)ev[k - 1].t_us; /* use the events */
  }
  double dt = now_s() - t0;
  if (rc) {
    fprintf(stderr, "bench_dvs: %s\n", err.msg);
    exit(1);
  }
  dvs_close(r);
  if (sum == 42) puts("");
  return dt;
}

int main(int argc, char **argv) {
  double mev = argc > 1 ? atof(argv[1]) : 20;
  const char *dir = argc > 2 ? argv[2] : "/tmp";
  size_t n = (size_t)(mev * 1e6);
  static const struct {
    const char *name;
    dvs_format f;
    int variant; /* 0 plain; 1 gzip; 2 AEDAT 4.0 uncompressed; 3 Zstd */
    unsigned w, h;
  } runs[] = {
      {"evt2", DVS_EVT2, 0, 640, 480},        {"nmnist", DVS_NMNIST, 0, 34, 34},
      {"evt3", DVS_EVT3, 0, 1280, 720},       {"dat", DVS_DAT, 0, 304, 240},
      {"aedat2", DVS_AEDAT2, 0, 240, 180},    {"aedat3", DVS_AEDAT3, 0, 128, 128},
      {"aedat4 (none)", DVS_AEDAT4, 2, 320, 240}, {"aedat4 (lz4)", DVS_AEDAT4, 0, 320, 240},
      {"aedat4 (zstd)", DVS_AEDAT4, 3, 320, 240}, {"evt2 (gzip)", DVS_EVT2, 1, 640, 480},
  };
  printf("bench_dvs: %zu events per file, decoded through dvs_read in batches of 4096, "
         "best of 3 after a warm-up read\n", n);
  printf("%-16s %12s %10s %14s %10s\n", "format", "file MB", "seconds", "events/s", "MB/s");
  for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
    dvs_event *e = tg_events(n, 1 + i, 0, 3, runs[i].w, runs[i].h);
    tg_buf b = {0};
    if (runs[i].variant == 2) tg_aedat4(&b, e, n, 4096, TG_A4_NONE, 1, runs[i].w, runs[i].h, true);
    else if (runs[i].variant == 3)
      tg_aedat4(&b, e, n, 4096, TG_A4_ZSTD, 1, runs[i].w, runs[i].h, true);
    else if (runs[i].f == DVS_AEDAT4)
      tg_aedat4(&b, e, n, 4096, TG_A4_LZ4, 1, runs[i].w, runs[i].h, true);
    else tg_format(&b, runs[i].f, e, n, runs[i].w, runs[i].h);
    free(e);
    char path[4096];
    snprintf(path, sizeof path, "%s/bench_dvs-%ld-%zu", dir, (long)getpid(), i);
    if (tg_write(&b, path, runs[i].variant == 1)) {
      fprintf(stderr, "bench_dvs: cannot write %s\n", path);
      return 1;
    }
    tg_free(&b);
    FILE *f = fopen(path, "rb");
    fseek(f, 0, SEEK_END);
    double mb = (double)ftell(f) / 1e6;
    fclose(f);
    uint64_t got;
    decode(path, &got); /* warm the page cache */
    double best = 1e30;
    for (int k = 0; k < 3; k++) {
      double t = decode(path, &got);
      if (t < best) best = t;
    }
    if (got != n) {
      fprintf(stderr, "bench_dvs: %s: %llu events, expected %zu\n", runs[i].name,
              (unsigned long long)got, n);
      return 1;
    }
    printf("%-16s %12.1f %10.3f %14.4g %10.1f\n", runs[i].name, mb, best, (double)n / best,
           mb / best);
    fflush(stdout);
    remove(path);
  }
  return 0;
}
