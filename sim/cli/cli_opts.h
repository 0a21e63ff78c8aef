/* cli_opts.h: the one option parser of the scenario commands (run, validate,
 * sweep) and the one bad-usage message (sim/cli/cli_opts.c). */
#ifndef NMSIM_SIM_CLI_OPTS_H
#define NMSIM_SIM_CLI_OPTS_H

#include <stdbool.h>
#include <stddef.h>

/* The options a command takes (a bit set). */
enum {
  CLI_OUT = 1u << 0,       /* -o, --output PATH */
  CLI_DB = 1u << 1,        /* --db RESULTS.sqlite */
  CLI_PARTITION = 1u << 2, /* --partition blocks|cyclic */
  CLI_JSON = 1u << 3,      /* --json */
  CLI_QUIET = 1u << 4,     /* -q, --quiet */
  CLI_THREADS = 1u << 5,   /* -t, --threads N */
  CLI_JOBS = 1u << 6,      /* -j, --jobs N */
};

typedef struct cli_opts {
  const char *scenario;    /* the one operand */
  const char *out, *db, *partition;
  bool json, quiet;
  int threads;             /* --threads N (1 to 256); 0 when not given */
  int jobs;                /* --jobs N (1 to 256); 0 when not given */
  /* Called with each --set argument as it comes (its text may be changed):
   * 0, or the exit status of a bad one (after cli_bad_usage). */
  int (*on_set)(void *ctx, char *arg);
  void *set_ctx;
} cli_opts;

/* "nmsim CMD: <fmt with arg>" and the --help hint on stderr; returns 2. */
int cli_bad_usage(const char *cmd, const char *fmt, const char *arg);
/* Parse argv (argv[0] is the command) for command cmd, which takes the
 * options in `takes` and --set: 0 with *o filled, -1 after printing usage
 * for --help, or 2 after a bad-usage message. */
int cli_parse(const char *cmd, const char *usage, unsigned takes, int argc, char **argv,
              cli_opts *o);

#endif
