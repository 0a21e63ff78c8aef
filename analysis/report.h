/* report.h: the energy and latency report, as aligned text tables and as the
 * JSON object of DESIGN.md. Both print from a run_summary, so a report from a
 * live run and from its HDF5 file are the same. */
#ifndef NMSIM_ANALYSIS_REPORT_H
#define NMSIM_ANALYSIS_REPORT_H

#include <stdio.h>

#include "analysis/json.h"
#include "sim/base/stats.h"

void report_print_text(FILE *f, const run_summary *s);
void report_print_json(FILE *f, const run_summary *s);
/* The metric members of the JSON object (energy_pj, latency_ns, counts,
 * populations, cores, tiles_used) into the object open in w, for reports
 * that add their own identifying members (nmsim report --db). */
void report_json_metrics(jw *w, const run_summary *s);

#endif
