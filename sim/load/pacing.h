/* pacing.h: reading a pacing value, `fast`, `{realtime: PERIOD}` or (in a
 * scenario) `recording`, for the chip file's `pacing` and the scenario's
 * `engine.pacing`. */
#ifndef NMSIM_SIM_LOAD_PACING_H
#define NMSIM_SIM_LOAD_PACING_H

#include "sim/load/yaml.h"

/* Read n (named field in messages) into *kind and *period_ps (0 unless
 * realtime). recording is accepted when allow_recording. */
nmsim_status pacing_read(yml_doc *d, struct fy_node *n, const char *field, bool allow_recording,
                         nm_pacing *kind, nmsim_ps *period_ps, nmsim_err *err);

/* "fast", "real time, 1 ms a step" and the like, into buf. */
void pacing_describe(nm_pacing kind, nmsim_ps period_ps, char *buf, size_t n);

#endif
