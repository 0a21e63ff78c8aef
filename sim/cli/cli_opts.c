/* cli_opts.c: the option parser of the scenario commands (see cli_opts.h):
 * GNU long options through getopt_long, an option the command does not take
 * refused by name, exactly one SCENARIO operand. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cli/cli_opts.h"

int cli_bad_usage(const char *cmd, const char *fmt, const char *arg) {
  fprintf(stderr, "nmsim %s: ", cmd);
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\nTry 'nmsim %s --help'.\n", cmd);
  return 2;
}

int cli_parse(const char *cmd, const char *usage, unsigned takes, int argc, char **argv,
              cli_opts *o) {
  static const struct option longopts[] = {{"output", required_argument, 0, 'o'},
                                           {"set", required_argument, 0, 's'},
                                           {"json", no_argument, 0, 'J'},
                                           {"jobs", required_argument, 0, 'j'},
                                           {"quiet", no_argument, 0, 'q'},
                                           {"db", required_argument, 0, 'd'},
                                           {"partition", required_argument, 0, 'p'},
                                           {"threads", required_argument, 0, 't'},
                                           {"help", no_argument, 0, 'h'},
                                           {0, 0, 0, 0}};
  static const struct {
    int c;
    unsigned bit;
    const char *name;
  } need[] = {{'o', CLI_OUT, "-o"},
              {'d', CLI_DB, "--db"},
              {'p', CLI_PARTITION, "--partition"},
              {'J', CLI_JSON, "--json"},
              {'j', CLI_JOBS, "--jobs"},
              {'q', CLI_QUIET, "--quiet"},
              {'t', CLI_THREADS, "--threads"}};
  int c;
  opterr = 0;
  optind = 1;
  while ((c = getopt_long(argc, argv, "o:hqt:j:", longopts, NULL)) != -1) {
    for (size_t k = 0; k < sizeof need / sizeof need[0]; k++)
      if (need[k].c == c && !(takes & need[k].bit))
        return cli_bad_usage(cmd, "unknown option '%s'", need[k].name);
    switch (c) {
      case 'o': o->out = optarg; break;
      case 'd': o->db = optarg; break;
      case 'p':
        if (strcmp(optarg, "blocks") && strcmp(optarg, "cyclic"))
          return cli_bad_usage(cmd, "--partition expects blocks or cyclic, got '%s'", optarg);
        o->partition = optarg;
        break;
      case 's': {
        int rc = o->on_set ? o->on_set(o->set_ctx, optarg) : 0;
        if (rc) return rc;
        break;
      }
      case 't':
      case 'j': {
        char *end = NULL;
        long n = strtol(optarg, &end, 10);
        if (!*optarg || *end || n < 1 || n > 256)
          return cli_bad_usage(cmd, c == 't' ? "--threads expects a whole number from 1 to 256, "
                                               "got '%s'"
                                             : "--jobs expects a whole number from 1 to 256, "
                                               "got '%s'",
                               optarg);
        if (c == 't') o->threads = (int)n;
        else o->jobs = (int)n;
        break;
      }
      case 'J': o->json = true; break;
      case 'q': o->quiet = true; break;
      case 'h': fputs(usage, stdout); return -1;
      default:
        return cli_bad_usage(cmd, "unknown or incomplete option '%s'", argv[optind - 1]);
    }
  }
  if (optind != argc - 1)
    return cli_bad_usage(cmd, "%s", optind >= argc ? "expected one SCENARIO file"
                                                    : "expected exactly one SCENARIO file");
  o->scenario = argv[optind];
  return 0;
}
