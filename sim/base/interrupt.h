/* interrupt.h: SIGINT and SIGTERM during a run. The handler only records
 * the signal; the run checks it between steps and ends cleanly (its run
 * file marked "interrupted", its database row recorded), so Ctrl-C never
 * leaves a file that says "still going, or killed". */
#ifndef NMSIM_SIM_BASE_INTERRUPT_H
#define NMSIM_SIM_BASE_INTERRUPT_H

/* Catch SIGINT and SIGTERM from now on (the CLI does, for run and sweep). */
void nm_interrupt_catch(void);
/* Catch SIGINT and SIGTERM until nm_interrupt_release, then put back the
 * handlers there were (the library API does, around a run in a host
 * program such as Python). Clears the signal caught. */
void nm_interrupt_hold(void);
void nm_interrupt_release(void);
/* The signal caught since nm_interrupt_catch, or 0. */
int nm_interrupted(void);
/* Its name ("SIGINT", "SIGTERM"). */
const char *nm_interrupt_name(int sig);

#endif
