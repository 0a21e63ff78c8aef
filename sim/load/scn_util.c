/* scn_util.c: the helpers the scenario readers share (declared, with their
 * contracts, in sim/load/scn_read.h): field paths, "got ..." texts, required
 * keys, scalars, population references, paths, lists of whole numbers and
 * synaptic delays. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sim/base/units.h"
#include "sim/load/scn_read.h"


void scn_fmt(char *buf, size_t len, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, len, fmt, ap);
  va_end(ap);
}

nmsim_status scn_warn(scn_ctx *x, const char *text) {
  nmsim_scenario *s = x->s;
  if (nm_grow((void **)&s->warnings, &s->cap_warnings, s->n_warnings + 1, sizeof(char *)) ||
      !(s->warnings[s->n_warnings] = nm_strdup(text)))
    return NMSIM_ENOMEM_ERR(x->err);
  s->n_warnings++;
  return NMSIM_OK;
}

const char *scn_got(struct fy_node *n, char *buf, size_t len) {
  if (!n) return "nothing";
  if (fy_node_is_mapping(n)) return "a mapping";
  if (fy_node_is_sequence(n)) return "a sequence";
  size_t sl = 0;
  const char *s = fy_node_is_scalar(n) ? fy_node_get_scalar(n, &sl) : NULL;
  if (!s || !sl) return "an empty value";
  snprintf(buf, len, "'%.*s%s'", (int)(sl > 60 ? 57 : sl), s, sl > 60 ? "..." : "");
  return buf;
}

struct fy_node *scn_need(scn_ctx *x, struct fy_node *m, const char *field, const char *key,
                         const char *what) {
  struct fy_node *v = yml_get(m, key);
  if (!v) {
    char f[256];
    scn_fmt(f, sizeof f, "%s%s%s", field, field[0] ? "." : "", key);
    yml_error(x->d, m, f, x->err, "required field is missing (expected %s)", what);
  }
  return v;
}

const char *scn_scalar(struct fy_node *n) {
  if (!n || !fy_node_is_scalar(n) || fy_node_is_null(n)) return NULL;
  return fy_node_get_scalar0(n);
}

bool scn_fast_u64(struct fy_node *n, uint64_t max, uint64_t *out) {
  size_t len = 0;
  const char *s = n && fy_node_is_scalar(n) ? fy_node_get_scalar(n, &len) : NULL;
  uint64_t v = 0;
  if (!s || len == 0 || len > 18) return false;
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (uint64_t)(s[i] - '0');
  }
  if (v > max) return false;
  *out = v;
  return true;
}

void scn_join(char *buf, size_t len, const char *const *names, size_t stride, size_t n) {
  size_t k = 0;
  buf[0] = 0;
  for (size_t i = 0; i < n && k < len; i++) {
    const char *s = *(const char *const *)((const char *)names + i * stride);
    k += (size_t)snprintf(buf + k, len - k, "%s%s", i ? ", " : "", s);
  }
  if (!n) snprintf(buf, len, "none");
}

static void scn_pop_names(const nmsim_scenario *s, char *buf, size_t len) {
  scn_join(buf, len, (const char *const *)&s->pops[0].name, sizeof s->pops[0], s->n_pops);
}

long scn_pop_ref(scn_ctx *x, struct fy_node *n, const char *field) {
  char list[512], got[80];
  const char *name = scn_scalar(n);
  for (size_t i = 0; name && i < x->s->n_pops; i++)
    if (strcmp(x->s->pops[i].name, name) == 0) return (long)i;
  long alias = name ? nir_net_alias(x->nir, name) : -1; /* nir.output */
  if (alias >= 0) return alias;
  scn_pop_names(x->s, list, sizeof list);
  yml_error(x->d, n, field, x->err, "expected the name of a population (%s), got %s", list,
            scn_got(n, got, sizeof got));
  return -1;
}

int scn_cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

char *scn_path(scn_ctx *x, const char *path) {
  const char *dir = x->dir && path[0] != '/' ? x->dir : NULL;
  size_t n = (dir ? strlen(dir) + 1 : 0) + strlen(path) + 1;
  char *s = nm_malloc(n);
  if (s) snprintf(s, n, "%s%s%s", dir ? dir : "", dir ? "/" : "", path);
  return s;
}

nmsim_status scn_read_uints(scn_ctx *x, struct fy_node *n, const char *field, int want,
                            uint64_t lo, uint64_t hi, uint32_t *out) {
  char got[80];
  if (n && fy_node_is_scalar(n) && want == 2) {
    uint64_t v;
    nmsim_status rc = yml_u64(x->d, n, field, lo, hi, &v, x->err);
    if (rc) return rc;
    out[0] = out[1] = (uint32_t)v;
    return NMSIM_OK;
  }
  if (!n || !fy_node_is_sequence(n) || fy_node_sequence_item_count(n) != want)
    return yml_error(x->d, n, field, x->err, "expected a list of %d whole numbers, got %s", want,
                     scn_got(n, got, sizeof got));
  for (int i = 0; i < want; i++) {
    uint64_t v;
    char f[320];
    scn_fmt(f, sizeof f, "%s[%d]", field, i);
    nmsim_status rc = yml_u64(x->d, fy_node_sequence_get_by_index(n, i), f, lo, hi, &v, x->err);
    if (rc) return rc;
    out[i] = (uint32_t)v;
  }
  return NMSIM_OK;
}

/* delay: whole steps in [1, 255], or a time that is a whole multiple of dt. */
nmsim_status scn_read_delay(scn_ctx *x, struct fy_node *n, const char *field, uint32_t *out) {
  char got[80], msg[300];
  double v, dt = x->s->dt_ms;
  const char *str = scn_scalar(n);
  if (str && units_parse(str, "", &v, msg, sizeof msg) == NMSIM_OK) {
    if (v == floor(v) && v >= 1 && v <= SCN_MAX_DELAY) return *out = (uint32_t)v, NMSIM_OK;
  } else if (str && units_parse(str, "ms", &v, msg, sizeof msg) == NMSIM_OK) {
    double r = v / dt, k = floor(r + 0.5);
    if (fabs(r - k) > 1e-9 * fmax(1.0, k))
      return yml_error(x->d, n, field, x->err,
                       "expected a whole multiple of dt (%g ms), got %s (%g steps)", dt,
                       scn_got(n, got, sizeof got), r);
    if (k >= 1 && k <= SCN_MAX_DELAY) return *out = (uint32_t)k, NMSIM_OK;
  }
  return yml_error(x->d, n, field, x->err,
                   "expected a delay of 1 to %d steps, as a whole number or a time that is a "
                   "multiple of dt (%g ms), got %s",
                   SCN_MAX_DELAY, dt, scn_got(n, got, sizeof got));
}
