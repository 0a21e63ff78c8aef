/* compare.h: several runs side by side, with ratios to the first
 * (nmsim report A.h5 B.h5 ...). */
#ifndef NMSIM_ANALYSIS_COMPARE_H
#define NMSIM_ANALYSIS_COMPARE_H

#include <stdio.h>

#include "analysis/report.h"

/* names[k] labels run s[k] (its file). */
void compare_print_text(FILE *f, const char *const *names, const run_summary *s, size_t n);
/* {"runs": [{file, scenario, chip, ..., the report's metrics, ratio_to_first}]} */
void compare_print_json(FILE *f, const char *const *names, const run_summary *s, size_t n);

#endif
