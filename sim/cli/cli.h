/* cli.h: pieces of the nmsim command line beside main.c: recording a run in
 * the results database (run --db, sweep) and the sweep command. */
#ifndef NMSIM_SIM_CLI_H
#define NMSIM_SIM_CLI_H

#include "sim/out/resultsdb.h"
#include "sim/load/scenario_int.h"
#include "sim/system/run_record.h"

/* Exit status of a failed status: 2 for bad usage or bad input (the file or
 * field is named in the message), 1 for a run that failed. */
int cli_exit_code(nmsim_status rc);


/* Split a --set value list on the commas that are outside brackets, braces
 * and quotes ("1,2" -> "1" "2"; "[1,2],[3]" -> "[1,2]" "[3]"), trimming
 * blanks. New nm_malloc'd array of *n nm_malloc'd strings; NMSIM_EINPUT
 * naming the key for an empty value or unbalanced brackets; NMSIM_ENOMEM. */
nmsim_status cli_split_values(const char *key, const char *list, char ***out, size_t *n,
                              nmsim_err *err);
void cli_free_values(char **v, size_t n);

/* `nmsim sweep`: argv[0] is "sweep". Returns the exit status. */
int cli_sweep(int argc, char **argv);

/* `nmsim nir info FILE [--json]` (sim/cli/cli_nir.c): argv[0] is "nir". Returns
 * the exit status. */
int cli_nir(int argc, char **argv);

/* `nmsim validation TABLE.yaml` (sim/cli/cli_validation.c): argv[0] is
 * "validation". Returns the exit status (1: a row moved or misses its goal
 * unexplained, with --check). */
int cli_validation(int argc, char **argv);

/* `nmsim models [NAME] [--json]` (sim/cli/cli_models.c): argv[0] is "models". */
int cli_models(int argc, char **argv);

#endif
