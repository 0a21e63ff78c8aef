/* gen_seeds.c: writes small spec-built recordings of every format (and gzip
 * copies) into DIR, as seeds for the fuzz targets: gen_seeds DIR. */
#include <stdio.h>

#include "tests/dvs_gen.h"

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: gen_seeds DIR\n");
    return 2;
  }
  static const struct {
    dvs_format f;
    unsigned w, h;
  } fmts[] = {{DVS_AEDAT2, 240, 180}, {DVS_AEDAT2, 128, 128}, {DVS_AEDAT3, 128, 128},
              {DVS_AEDAT4, 320, 240}, {DVS_NMNIST, 34, 34},   {DVS_EVT2, 640, 480},
              {DVS_EVT3, 1280, 720},  {DVS_DAT, 304, 240}};
  char path[4096];
  for (size_t i = 0; i < sizeof fmts / sizeof fmts[0]; i++) {
    dvs_event *e = tg_events(60, i + 1, 1000, 40, fmts[i].w, fmts[i].h);
    tg_buf b = {0};
    tg_format(&b, fmts[i].f, e, 60, fmts[i].w, fmts[i].h);
    for (int gz = 0; gz < 2; gz++) {
      snprintf(path, sizeof path, "%s/%s-%zu%s", argv[1], dvs_format_name(fmts[i].f), i,
               gz ? ".gz" : "");
      if (tg_write(&b, path, gz)) return 1;
    }
    tg_free(&b);
    if (fmts[i].f == DVS_AEDAT4) { /* the other compressions, and no table */
      tg_aedat4(&b, e, 60, 20, TG_A4_ZSTD, 2, 320, 240, false);
      snprintf(path, sizeof path, "%s/aedat4-zstd", argv[1]);
      if (tg_write(&b, path, false)) return 1;
      tg_free(&b);
      tg_aedat4(&b, e, 60, 20, TG_A4_NONE, 0, 320, 240, true);
      snprintf(path, sizeof path, "%s/aedat4-none", argv[1]);
      if (tg_write(&b, path, false)) return 1;
      tg_free(&b);
    }
    free(e);
  }
  return 0;
}
