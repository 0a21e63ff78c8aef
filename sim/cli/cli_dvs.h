/* cli_dvs.h: `nmsim dvs info|convert`, the DVS recording commands of the CLI. */
#ifndef NMSIM_SIM_CLI_DVS_H
#define NMSIM_SIM_CLI_DVS_H

/* argv[0] is "dvs". Returns the exit status: 0 success, 1 failure, 2 bad
 * usage or bad input (messages on stderr name the file and byte offset). */
int cli_dvs(int argc, char **argv);

#endif
