/* units.c: physical quantities ("20 ms", "-65 mV", "128 KiB") parsed and
 * converted to the canonical unit a parameter table names. One table of
 * units; conversions are exact powers of ten (and of two for bytes). */
#include "sim/base/units.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Dimensions: id and how a message names a value of it. ORDER UNITS_DIM. */
#define UNITS_DIM_MAP(X)                 \
  X(NONE, "a number")                    \
  X(TIME, "a time")                      \
  X(FREQ, "a frequency")                 \
  X(VOLT, "a voltage")                   \
  X(CURR, "a current")                   \
  X(ENERGY, "an energy")                 \
  X(POWER, "a power")                    \
  X(RES, "a resistance")                 \
  X(CAP, "a capacitance")                \
  X(COND, "a conductance")               \
  X(BYTES, "a size in bytes")

typedef enum units_dim {
#define UNITS_X(id, what) UNITS_DIM_##id,
  UNITS_DIM_MAP(UNITS_X)
#undef UNITS_X
} units_dim;

static const char *const units_dim_what[] = {
#define UNITS_X(id, what) what,
    UNITS_DIM_MAP(UNITS_X)
#undef UNITS_X
};

/* A unit is pow10 decimal exponent times mult of its dimension's SI unit
 * (bytes: mult only). Both are exact, so converting between units of the
 * same dimension is one correctly rounded multiplication or division. */
typedef struct units_def {
  const char *name;
  units_dim dim;
  int pow10;
  double mult;
} units_def;

static const units_def units_table[] = {
    {"", UNITS_DIM_NONE, 0, 1},
    {"s", UNITS_DIM_TIME, 0, 1},     {"ms", UNITS_DIM_TIME, -3, 1},
    {"us", UNITS_DIM_TIME, -6, 1},   {"ns", UNITS_DIM_TIME, -9, 1},
    {"ps", UNITS_DIM_TIME, -12, 1},
    {"Hz", UNITS_DIM_FREQ, 0, 1},    {"kHz", UNITS_DIM_FREQ, 3, 1},
    {"MHz", UNITS_DIM_FREQ, 6, 1},   {"GHz", UNITS_DIM_FREQ, 9, 1},
    {"V", UNITS_DIM_VOLT, 0, 1},     {"mV", UNITS_DIM_VOLT, -3, 1},
    {"uV", UNITS_DIM_VOLT, -6, 1},
    {"A", UNITS_DIM_CURR, 0, 1},     {"mA", UNITS_DIM_CURR, -3, 1},
    {"uA", UNITS_DIM_CURR, -6, 1},   {"nA", UNITS_DIM_CURR, -9, 1},
    {"pA", UNITS_DIM_CURR, -12, 1},
    {"J", UNITS_DIM_ENERGY, 0, 1},   {"mJ", UNITS_DIM_ENERGY, -3, 1},
    {"uJ", UNITS_DIM_ENERGY, -6, 1}, {"nJ", UNITS_DIM_ENERGY, -9, 1},
    {"pJ", UNITS_DIM_ENERGY, -12, 1},{"fJ", UNITS_DIM_ENERGY, -15, 1},
    {"W", UNITS_DIM_POWER, 0, 1},    {"mW", UNITS_DIM_POWER, -3, 1},
    {"uW", UNITS_DIM_POWER, -6, 1},
    {"Ohm", UNITS_DIM_RES, 0, 1},    {"kOhm", UNITS_DIM_RES, 3, 1},
    {"MOhm", UNITS_DIM_RES, 6, 1},   {"GOhm", UNITS_DIM_RES, 9, 1},
    {"F", UNITS_DIM_CAP, 0, 1},      {"uF", UNITS_DIM_CAP, -6, 1},
    {"nF", UNITS_DIM_CAP, -9, 1},    {"pF", UNITS_DIM_CAP, -12, 1},
    {"S", UNITS_DIM_COND, 0, 1},     {"mS", UNITS_DIM_COND, -3, 1},
    {"uS", UNITS_DIM_COND, -6, 1},   {"nS", UNITS_DIM_COND, -9, 1},
    {"B", UNITS_DIM_BYTES, 0, 1},    {"KiB", UNITS_DIM_BYTES, 0, 1024},
    {"MiB", UNITS_DIM_BYTES, 0, 1048576},
};

/* Exact powers of ten (every 10^k with k <= 22 is a double). */
static const double units_pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Look a unit up by name (len bytes). "µ" (U+00B5) and "μ" (U+03BC) are
 * accepted for the "u" prefix. */
static const units_def *units_find(const char *name, size_t len) {
  char buf[16];
  size_t skip = 0;
  if (len >= 2 && ((unsigned char)name[0] == 0xc2 && (unsigned char)name[1] == 0xb5)) skip = 2;
  if (len >= 2 && ((unsigned char)name[0] == 0xce && (unsigned char)name[1] == 0xbc)) skip = 2;
  if (skip) {
    if (len - skip + 1 >= sizeof buf) return NULL;
    buf[0] = 'u';
    memcpy(buf + 1, name + skip, len - skip);
    name = buf;
    len = len - skip + 1;
  }
  for (size_t i = 0; i < NM_ARRAY_LEN(units_table); i++)
    if (strlen(units_table[i].name) == len && memcmp(units_table[i].name, name, len) == 0)
      return &units_table[i];
  return NULL;
}

bool units_known(const char *unit) {
  if (!unit) return true;
  return units_find(unit, strlen(unit)) != NULL;
}

/* "a time in ms (units: s, ms, us, ns, ps)", or "a number". */
static void units_expected(const units_def *w, char *buf, size_t len) {
  if (w->dim == UNITS_DIM_NONE) {
    snprintf(buf, len, "%s", units_dim_what[w->dim]);
    return;
  }
  size_t n = (size_t)snprintf(buf, len, "%s in %s (units:", units_dim_what[w->dim], w->name);
  const char *sep = " ";
  for (size_t i = 0; i < NM_ARRAY_LEN(units_table) && n < len; i++) {
    if (units_table[i].dim != w->dim) continue;
    n += (size_t)snprintf(buf + n, len - n, "%s%s", sep, units_table[i].name);
    sep = ", ";
  }
  if (n < len) snprintf(buf + n, len - n, ")");
}

static bool units_isspace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
static bool units_isdigit(char c) { return c >= '0' && c <= '9'; }

/* Length of the decimal number at p (YAML 1.2 core float syntax without
 * .inf/.nan: [-+]? (\.[0-9]+ | [0-9]+(\.[0-9]*)?) ([eE][-+]?[0-9]+)?), or 0. */
static size_t units_number_len(const char *p) {
  size_t i = 0, digits = 0;
  if (p[i] == '+' || p[i] == '-') i++;
  while (units_isdigit(p[i])) i++, digits++;
  if (p[i] == '.') {
    i++;
    while (units_isdigit(p[i])) i++, digits++;
  }
  if (!digits) return 0;
  if (p[i] == 'e' || p[i] == 'E') {
    size_t j = i + 1;
    if (p[j] == '+' || p[j] == '-') j++;
    if (units_isdigit(p[j])) {
      while (units_isdigit(p[j])) j++;
      i = j;
    }
  }
  return i;
}

nmsim_status units_parse(const char *text, const char *want, double *out, char *msg,
                         size_t msglen) {
  const units_def *w = units_find(want ? want : "", want ? strlen(want) : 0);
  char expected[160];
  if (!w) {
    snprintf(msg, msglen, "internal: unknown canonical unit '%s'", want);
    return NMSIM_EINVAL;
  }
  units_expected(w, expected, sizeof expected);
  if (!text) text = "";

  const char *p = text;
  while (units_isspace(*p)) p++;
  size_t nlen = units_number_len(p);
  char num[64];
  if (nlen == 0 || nlen >= sizeof num) goto bad;
  memcpy(num, p, nlen);
  num[nlen] = 0;
  errno = 0;
  char *end;
  double x = strtod(num, &end);
  if (*end || !isfinite(x) || (errno == ERANGE && fabs(x) > 1.0)) goto bad;

  const char *u = p + nlen;
  while (units_isspace(*u)) u++;
  size_t ulen = strlen(u);
  while (ulen && units_isspace(u[ulen - 1])) ulen--;
  const units_def *g = ulen ? units_find(u, ulen) : w;  /* bare: in the wanted unit */
  if (!g || g->dim != w->dim) goto bad;

  double v = x;
  if (g->mult != w->mult) v = v * g->mult / w->mult;
  int k = g->pow10 - w->pow10;
  if (k > 0) v *= units_pow10[k];
  else if (k < 0) v /= units_pow10[-k];
  if (!isfinite(v)) goto bad;
  *out = v;
  return NMSIM_OK;

bad:
  snprintf(msg, msglen, "expected %s, got '%.60s'", expected, text);
  return NMSIM_EINPUT;
}
