/* chip.c: what the chip description computes for the rest of nmsim (the
 * barrier time of a step), and its release. Chip files are read by
 * sim/load/chip_file.c. */
#include <math.h>

#include "cores/chip_int.h"

void nmsim_chip_destroy(nmsim_chip *c) {
  if (!c) return;
  nm_free(c->name);
  nm_free(c->path);
  nm_free(c->text);
  nm_free(c->description);
  nm_free(c->barrier);
  nm_free(c->barrier_chips);
  nm_free(c);
}

/* Piecewise-linear interpolation over points sorted by their `tiles` field:
 * constant below the first, extrapolated from the last two beyond the last. */
static nmsim_ps chip_interp(const chip_barrier_point *p, size_t n, uint32_t tiles) {
  if (NEVER(n == 0)) return 0;
  if (n == 1 || tiles <= p[0].tiles) return p[0].time_ps;
  size_t i = 1;  /* segment p[i-1] .. p[i]; the last one extrapolates */
  while (i < n - 1 && tiles > p[i].tiles) i++;
  double x0 = p[i - 1].tiles, x1 = p[i].tiles;
  double y0 = (double)p[i - 1].time_ps, y1 = (double)p[i].time_ps;
  double t = y0 + ((double)tiles - x0) * (y1 - y0) / (x1 - x0);
  return t <= 0 ? 0 : (nmsim_ps)floor(t + 0.5);
}

nmsim_ps chip_barrier_time(const nmsim_chip *c, uint32_t tiles) {
  if (!c->n_barrier) return 0; /* no barrier (core_kind spinnaker2) */
  return chip_interp(c->barrier, c->n_barrier, tiles);
}

nmsim_ps chip_barrier_time_chips(const nmsim_chip *c, uint32_t chips) {
  chip_barrier_point pts[65];
  size_t n = 0;
  pts[n++] = (chip_barrier_point){1, chip_barrier_time(c, chip_n_tiles(c))};
  for (size_t i = 0; i < c->n_barrier_chips && n < NM_ARRAY_LEN(pts); i++)
    if (c->barrier_chips[i].tiles > 1) pts[n++] = c->barrier_chips[i];
  return chip_interp(pts, n, chips);
}
