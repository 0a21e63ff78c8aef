/* scenario.h: loading and validating scenario files. */
#ifndef NMSIM_SCENARIO_H
#define NMSIM_SCENARIO_H

#include "nmsim/nmsim.h"

typedef struct nmsim_scenario nmsim_scenario;

/* One "--set KEY=VALUE" override: KEY is a dotted path into the scenario
 * (e.g. "seed", "populations.exc.params.tau_m"), VALUE a YAML scalar or flow
 * value ("20 ms", "[1, 2]"). */
typedef struct nmsim_override {
  const char *key;
  const char *value;
} nmsim_override;

/* Load and validate a scenario file, applying overrides in order.
 * On success *out owns the scenario (free with nmsim_scenario_destroy).
 * On bad input returns NMSIM_EINPUT with err->msg of the form
 * "FILE:LINE:COL: FIELD: what was expected"; NMSIM_EIO if unreadable. */
NMSIM_API nmsim_status nmsim_scenario_load(const char *path, const nmsim_override *ov,
                                           size_t n_ov, nmsim_scenario **out, nmsim_err *err);
/* Same from a string; name is used in messages in place of a file name. */
NMSIM_API nmsim_status nmsim_scenario_load_string(const char *name, const char *text,
                                                  const nmsim_override *ov, size_t n_ov,
                                                  nmsim_scenario **out, nmsim_err *err);
/* Accepts NULL. */
NMSIM_API void nmsim_scenario_destroy(nmsim_scenario *s);

#endif
