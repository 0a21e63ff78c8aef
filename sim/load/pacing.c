/* pacing.c: the pacing values of pacing.h. */
#include "sim/load/pacing.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <libfyaml.h>

/* A period of real time: above 0, at most 1000 s a step. */
#define PACING_MAX_PS 1e15

nmsim_status pacing_read(yml_doc *d, struct fy_node *n, const char *field, bool allow_recording,
                         nm_pacing *kind, nmsim_ps *period_ps, nmsim_err *err) {
  const char *expected = allow_recording ? "fast, recording or {realtime: PERIOD}"
                                         : "fast or {realtime: PERIOD}";
  *period_ps = 0;
  if (fy_node_is_scalar(n) && !fy_node_is_alias(n)) {
    const char *v = NULL;
    nmsim_status rc = yml_str(d, n, field, &v, err);
    if (rc) return rc;
    if (strcmp(v, "fast") == 0) {
      *kind = NM_PACE_FAST;
      return NMSIM_OK;
    }
    if (allow_recording && strcmp(v, "recording") == 0) {
      *kind = NM_PACE_RECORDING;
      return NMSIM_OK;
    }
    return yml_error(d, n, field, err, "expected %s, got '%s'", expected, v);
  }
  static const char *const keys[] = {"realtime", NULL};
  if (!fy_node_is_mapping(n)) return yml_error(d, n, field, err, "expected %s", expected);
  nmsim_status rc = yml_check_keys(d, n, field, keys, err);
  if (rc) return rc;
  char f[128];
  snprintf(f, sizeof f, "%s.realtime", field);
  struct fy_node *t = yml_get(n, "realtime");
  if (!t) return yml_error(d, n, field, err, "expected %s", expected);
  double ps = 0;
  if ((rc = yml_quantity(d, t, f, "ps", 0, PACING_MAX_PS, &ps, err))) return rc;
  if (!(ps >= 1)) return yml_error(d, t, f, err, "expected a period > 0");
  *kind = NM_PACE_REALTIME;
  *period_ps = (nmsim_ps)floor(ps + 0.5);
  return NMSIM_OK;
}

void pacing_describe(nm_pacing kind, nmsim_ps period_ps, char *buf, size_t n) {
  if (kind == NM_PACE_FAST || period_ps == 0) {
    snprintf(buf, n, "fast");
    return;
  }
  double v = (double)period_ps;
  const char *unit = "ps";
  if (v >= 1e9) v /= 1e9, unit = "ms";
  else if (v >= 1e6) v /= 1e6, unit = "us";
  else if (v >= 1e3) v /= 1e3, unit = "ns";
  snprintf(buf, n, "real time, %g %s a step%s", v, unit,
           kind == NM_PACE_RECORDING ? " (the recording's)" : "");
}
