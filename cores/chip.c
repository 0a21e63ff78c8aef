/* chip.c: what the chip description computes for the rest of nmsim (the
 * barrier time of a step), and its release. Chip files are read by
 * sim/load/chip_file.c. */
#include <ctype.h>
#include <math.h>
#include <string.h>

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

/* The figures on one line of YAML (up to its comment): each value that
 * follows "key:" and starts like a number. */
static uint32_t line_figures(const char *a, const char *end) {
  uint32_t n = 0;
  bool quoted = false;
  for (const char *p = a; p < end; p++) {
    if (*p == '"') quoted = !quoted;
    if (quoted || *p != ':' || p + 1 >= end || (p[1] != ' ' && p[1] != '\t')) continue;
    const char *v = p + 1;
    while (v < end && (*v == ' ' || *v == '\t')) v++;
    if (v < end && (isdigit((unsigned char)*v) || *v == '-' || *v == '.')) n++;
  }
  return n;
}

void chip_provenance(const char *text, uint32_t n[CHIP_PROV_KINDS]) {
  memset(n, 0, sizeof(uint32_t) * CHIP_PROV_KINDS);
  for (const char *line = text; line && *line;) {
    const char *eol = strchr(line, '\n');
    if (!eol) eol = line + strlen(line);
    /* the comment: a '#' outside quotes, after a blank or at the start */
    const char *hash = NULL;
    bool quoted = false;
    for (const char *p = line; p < eol && !hash; p++) {
      if (*p == '"') quoted = !quoted;
      if (!quoted && *p == '#' && (p == line || p[-1] == ' ' || p[-1] == '\t')) hash = p;
    }
    uint32_t k = line_figures(line, hash ? hash : eol);
    if (k) {
      char c[512];
      size_t len = 0;
      for (const char *p = hash ? hash + 1 : eol; p < eol && len + 1 < sizeof c; p++)
        c[len++] = (char)tolower((unsigned char)*p);
      c[len] = 0;
      const char *t = c;
      while (*t == ' ' || *t == '\t') t++;
      int kind = !*t                                                 ? CHIP_PROV_NONE
                 : strstr(t, "estimate") || strstr(t, "invented")   ? CHIP_PROV_ESTIMATE
                 : strncmp(t, "derived", 7) == 0                     ? CHIP_PROV_DERIVED
                                                                     : CHIP_PROV_CITED;
      n[kind] += k;
    }
    line = *eol ? eol + 1 : eol;
  }
}
