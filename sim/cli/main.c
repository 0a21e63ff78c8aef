/* main.c: the nmsim command line. Exit status: 0 success, 1 a failed run,
 * 2 bad usage or bad input. Messages go to stderr. */
#include <errno.h>
#include <hdf5.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/compare.h"
#include "analysis/dbreport.h"
#include "analysis/report.h"
#include "cores/chip_int.h"
#include "cores/core_type.h"
#include "noc/topology.h"
#include "nmsim/chip.h"
#include "nmsim/scenario.h"
#include "sim/cli/cli.h"
#include "sim/base/interrupt.h"
#include "sim/cli/cli_opts.h"
#include "sim/cli/cli_dvs.h"
#include "sim/out/h5out.h"
#include "sim/mpi/mpi_comm.h"
#include "sim/system/run_int.h"
#include "sim/load/scenario_int.h"
#include "sim/system/build.h"

static const char *usage_main =
    "usage: nmsim COMMAND [ARGS]\n"
    "\n"
    "A discrete-event simulator of many-core neuromorphic chips.\n"
    "\n"
    "commands:\n"
    "  run SCENARIO.yaml [-o RUN.h5] [--set KEY=VALUE]... [--db RESULTS.sqlite]\n"
    "                    [--json] [-q|--quiet] [--partition blocks|cyclic]\n"
    "                      run a scenario and print its energy and latency report\n"
    "  report RUN.h5 [--json]\n"
    "                      print the report of a run from its file\n"
    "  report --db RESULTS.sqlite [--sweep ID] [--json]\n"
    "                      list the recorded runs and compare their metrics\n"
    "  sweep SCENARIO.yaml --set KEY=V1,V2,... [--set ...] --db RESULTS.sqlite [-o DIR]\n"
    "                      run every combination of the values and record each run\n"
    "  validate SCENARIO.yaml [--set KEY=VALUE]...\n"
    "                      check a scenario (fields, chip, mapping) without running it\n"
    "  chips [--types] [--json]\n"
    "                      list the bundled chip presets and their key figures\n"
    "  models [NAME] [--json]\n"
    "                      list the neuron models: parameters, state, sites, presets\n"
    "  dvs info|convert FILE  describe an event-camera recording or convert it to HDF5\n"
    "  nir info FILE [--json]  describe a NIR graph (version, nodes, shapes, edges)\n"
    "  validation TABLE.yaml [--markdown|--json] [--check] [--doc FILE]\n"
    "                      run published silicon workloads and print nmsim's error\n"
    "\n"
    "  nmsim help COMMAND, nmsim COMMAND --help   help on one command;  nmsim --version\n";


static int fail(nmsim_status rc, const nmsim_err *err) {
  fprintf(stderr, "nmsim: %s\n", err->msg[0] ? err->msg : nmsim_strerror(rc));
  /* a run stopped by SIGINT or SIGTERM exits as the signal would have */
  if (rc == NMSIM_EINTR && nm_interrupted()) return 128 + nm_interrupted();
  return cli_exit_code(rc);
}

/* The --set overrides of run and validate, in order. */
typedef struct cli_sets {
  const char *cmd;
  nmsim_override *ov;
  size_t n_ov;
} cli_sets;

static int parse_set(void *ctx, char *arg) {
  cli_sets *w = ctx;
  char *eq = strchr(arg, '=');
  if (!eq || eq == arg) return cli_bad_usage(w->cmd, "--set expects KEY=VALUE, got '%s'", arg);
  *eq = 0;
  nmsim_override *nv = realloc(w->ov, (w->n_ov + 1) * sizeof *nv);
  if (!nv) return cli_bad_usage(w->cmd, "%s", "out of memory");
  w->ov = nv;
  w->ov[w->n_ov++] = (nmsim_override){.key = arg, .value = eq + 1};
  return 0;
}

static const char *usage_run =
    "usage: nmsim run SCENARIO.yaml [-o RUN.h5] [--set KEY=VALUE]... [--db RESULTS.sqlite]\n"
    "                 [--json] [-q|--quiet] [--partition blocks|cyclic] [-t|--threads N]\n"
    "\n"
    "Run a scenario on its chip and print the energy and latency report.\n"
    "  -o, --output RUN.h5   write spikes, traces, energy and latency per step (HDF5)\n"
    "  --set KEY=VALUE       override a scenario field, e.g. --set seed=2,\n"
    "                        --set populations.exc.params.tau_m='10 ms' (repeatable)\n"
    "  --db RESULTS.sqlite   append the run (parameters, status, metrics) to this\n"
    "                        results database; see nmsim report --db\n"
    "  --json                print the report as JSON\n"
    "  -q, --quiet           no progress line (it is shown on a terminal only, for\n"
    "                        runs longer than a second)\n"
    "  --partition blocks|cyclic\n"
    "                        under mpirun -np N (a build with -DNMSIM_MPI=ON): how\n"
    "                        chips go to ranks, contiguous blocks balanced by neurons\n"
    "                        and synapses (default) or round robin; results are the same\n"
    "  -t, --threads N       split the run over N threads of this process, as over\n"
    "                        ranks (timed and functional mode; under mpirun -np P,\n"
    "                        P x N parts); in network mode they share the neuron\n"
    "                        update of large populations; the same results\n";

static int cmd_run(int argc, char **argv) {
  cli_sets sets = {.cmd = "run"};
  cli_opts o = {.on_set = parse_set, .set_ctx = &sets};
  int rc = cli_parse("run", usage_run,
                     CLI_OUT | CLI_DB | CLI_PARTITION | CLI_JSON | CLI_QUIET | CLI_THREADS, argc,
                     argv, &o);
  if (rc) {
    free(sets.ov);
    return rc < 0 ? 0 : rc;
  }
  nm_interrupt_catch(); /* Ctrl-C ends the run at a step, its file and row kept */
  nmsim_err err = {0};
  nmsim_scenario *scn = NULL;
  rdb *db = NULL;
  char *params = rdb_params_json(sets.ov, sets.n_ov);
  nmsim_status st = nmsim_scenario_load(o.scenario, sets.ov, sets.n_ov, &scn, &err);
  free(sets.ov);
  if (st == NMSIM_OK && !params) st = NMSIM_ERR(&err, NMSIM_ENOMEM, "out of memory");
  /* open the database first: a bad --db fails before the run, not after.
   * Under mpirun, rank 0 alone records the run and prints the report. */
  bool lead = nmc_rank() == 0;
  if (st == NMSIM_OK && o.db && lead) st = rdb_open(o.db, &db, &err);
  if (nmc_size() > 1) st = nmc_agree(st, &err);
  if (st != NMSIM_OK) {
    nmsim_scenario_destroy(scn);
    nm_free(params);
    return fail(st, &err);
  }
  run_summary sum;
  run_opts ro = {.h5_path = o.out, .progress = !o.quiet && isatty(2), .overrides_json = params,
                 .partition = o.partition};
  char start[32];
  run_utc(start);
  double t0 = run_now();
  st = run_scenario_threads(scn, o.threads, &ro, &sum, &err);
  if (db) {
    nmsim_err derr = {0};
    nmsim_status dst = run_record(db, scn, params, NULL, o.out, start, run_now() - t0, st, &err,
                                  &sum, NULL, &derr);
    rdb_close(db);
    if (dst != NMSIM_OK) {
      if (st == NMSIM_OK) run_summary_clear(&sum);
      nmsim_scenario_destroy(scn);
      nm_free(params);
      /* the database was opened before the run: failing to write the row (a
       * full disk) is a failed write, exit 1, never bad input */
      fprintf(stderr, "nmsim: %s\n", derr.msg[0] ? derr.msg : nmsim_strerror(dst));
      return 1;
    }
  }
  nmsim_scenario_destroy(scn);
  nm_free(params);
  if (st != NMSIM_OK && !lead) {
    /* rank 0 reports; a failure of the run itself may be this rank's own */
    if (cli_exit_code(st) == 1 && st != NMSIM_EINTR &&
        !strstr(err.msg, "another MPI rank failed"))
      fprintf(stderr, "nmsim (rank %d): %s\n", nmc_rank(), err.msg);
    return st == NMSIM_EINTR && nm_interrupted() ? 128 + nm_interrupted() : cli_exit_code(st);
  }
  if (st != NMSIM_OK) return fail(st, &err);
  if (!lead) {
    run_summary_clear(&sum);
    return 0;
  }
  if (o.json) report_print_json(stdout, &sum);
  else report_print_text(stdout, &sum);
  run_summary_clear(&sum);
  return 0; /* a failed write to stdout: main says so and exits 1 */
}

static const char *usage_validate =
    "usage: nmsim validate SCENARIO.yaml [--set KEY=VALUE]...\n"
    "\n"
    "Check a scenario without running it: every field, the chip file, and that\n"
    "the network maps onto the chip within its limits. Exit 0 if valid, 2 if not.\n";

static int cmd_validate(int argc, char **argv) {
  cli_sets sets = {.cmd = "validate"};
  cli_opts o = {.on_set = parse_set, .set_ctx = &sets};
  int rc = cli_parse("validate", usage_validate, 0, argc, argv, &o);
  if (rc) {
    free(sets.ov);
    return rc < 0 ? 0 : rc;
  }
  nmsim_err err = {0};
  nmsim_scenario *scn = NULL;
  nmsim_chip *chip = NULL;
  sys *s = NULL;
  nmsim_status st = nmsim_scenario_load(o.scenario, sets.ov, sets.n_ov, &scn, &err);
  free(sets.ov);
  if (st == NMSIM_OK) {
    char *dir = strdup(o.scenario);
    char *slash = dir ? strrchr(dir, '/') : NULL;
    if (slash) *slash = 0;
    st = nmsim_chip_load(scn->chip, slash ? dir : ".", &chip, &err);
    free(dir);
  }
  if (st == NMSIM_OK) st = sys_build(scn, chip, &s, &err);
  if (st == NMSIM_OK) {
    size_t syn = 0;
    for (uint32_t i = 0; i < s->n_cores; i++) syn += s->cores[i].n_syn;
    printf("%s: valid: %zu populations, %u neurons, %zu synapses on chip '%s' "
           "(%u of %u cores, %u tiles)\n",
           o.scenario, scn->n_pops, s->n_neurons, syn, chip->name, s->n_used, s->n_cores,
           s->tiles_used);
  }
  sys_destroy(s);
  nmsim_chip_destroy(chip);
  nmsim_scenario_destroy(scn);
  return st == NMSIM_OK ? 0 : fail(st, &err);
}

static const char *usage_report =
    "usage: nmsim report RUN.h5 [--json]\n"
    "       nmsim report RUN.h5 RUN2.h5 ... [--json]\n"
    "       nmsim report --db RESULTS.sqlite [--sweep ID] [--json]\n"
    "\n"
    "Print the energy and latency report of a run from its HDF5 file (a run that\n"
    "was killed or failed is reported as far as its file goes, with its status).\n"
    "With several files, print the runs side by side, each figure in one unit and\n"
    "with its ratio to the first run.\n"
    "With --db, list the runs of a results database side by side: one row per run\n"
    "with its --set parameters and key metrics (--sweep ID: the runs of one sweep).\n"
    "  --json   print the report object (with --db: every run's) as JSON\n";

/* nmsim report A.h5 B.h5 ...: the runs side by side. */
static int report_compare(const char *const *files, size_t n, bool json) {
  run_summary *s = nm_calloc(n, sizeof *s);
  if (!s) return fail(NMSIM_ENOMEM, NULL);
  nmsim_err err = {0};
  nmsim_status st = NMSIM_OK;
  for (size_t k = 0; k < n && st == NMSIM_OK; k++) st = h5o_read_summary(files[k], &s[k], &err);
  if (st == NMSIM_OK) {
    if (json) compare_print_json(stdout, files, s, n);
    else compare_print_text(stdout, files, s, n);
  }
  for (size_t k = 0; k < n; k++) run_summary_clear(&s[k]);
  nm_free(s);
  return st == NMSIM_OK ? 0 : fail(st, &err);
}

static int cmd_report(int argc, char **argv) {
  bool json = false;
  const char *file = NULL, *db = NULL, *sweep = NULL;
  size_t n_files = 0; /* the files, gathered at the front of argv (each argument is
                       * read before its slot is reused) */
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--json")) json = true;
    else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      fputs(usage_report, stdout);
      return 0;
    } else if (!strcmp(argv[i], "--db") || !strcmp(argv[i], "--sweep")) {
      if (i + 1 >= argc) return cli_bad_usage("report", "%s needs an argument", argv[i]);
      *(argv[i][2] == 'd' ? &db : &sweep) = argv[i + 1];
      i++;
    } else if (argv[i][0] == '-') return cli_bad_usage("report", "unknown option '%s'", argv[i]);
    else argv[n_files++] = argv[i];
  }
  if (n_files) file = argv[0];
  nmsim_err err = {0};
  if (db && file) return cli_bad_usage("report", "%s", "give either RUN.h5 or --db, not both");
  if (n_files > 1) return report_compare((const char *const *)argv, n_files, json);
  if (sweep && !db) return cli_bad_usage("report", "%s", "--sweep needs --db");
  if (db) {
    nmsim_status st = dbreport(stdout, db, sweep, json, &err);
    if (st != NMSIM_OK) return fail(st, &err);
    return 0; /* a failed write to stdout: main says so and exits 1 */
  }
  if (!file) return cli_bad_usage("report", "%s", "expected a RUN.h5 file (or --db RESULTS.sqlite)");
  run_summary sum;
  nmsim_status st = h5o_read_summary(file, &sum, &err);
  if (st != NMSIM_OK) return fail(st, &err);
  if (json) report_print_json(stdout, &sum);
  else report_print_text(stdout, &sum);
  run_summary_clear(&sum);
  return 0;
}

static const char *usage_chips =
    "usage: nmsim chips [--types] [--json]\n"
    "\n"
    "List the bundled chip presets (scenarios/chips/*.yaml) and their key figures,\n"
    "each with its core type.\n"
    "  --types   list the core types a chip file's core_kind may name, and the NoC\n"
    "            topologies (noc.topology) with their routing algorithms (noc.routing)\n"
    "  --json    print JSON\n";

/* What a core type's flags say, in words. */
static const char *type_sync(const core_type *t) {
  return t->flags & CORE_SYNC_BARRIER ? "barrier" : "tick";
}
static const char *type_routing(const core_type *t) {
  return t->flags & CORE_ROUTE_KEYED ? "multicast by key" : "unicast to (core, axon)";
}

/* A core type as a JSON object. */
static void print_type_json(const core_type *t) {
  printf("{\"name\": \"%s\", \"summary\": \"%s\", \"sync\": \"%s\", \"routing\": \"%s\", "
         "\"learning\": %s, \"weight_exp\": %s}",
         t->name, t->summary, type_sync(t), type_routing(t),
         t->flags & CORE_NO_LEARNING ? "false" : "true",
         t->flags & CORE_NO_WEIGHT_EXP ? "false" : "true");
}

/* nmsim chips --types: the registries of core types and topologies. */
static int print_types(bool json) {
  char routings[128];
  if (json) {
    printf("{\"core_types\": [");
    for (size_t i = 0; core_types[i]; i++) {
      printf("%s\n  ", i ? "," : "");
      print_type_json(core_types[i]);
    }
    printf("\n], \"topologies\": [");
    for (size_t i = 0; noc_topologies[i]; i++) {
      const noc_topology *t = noc_topologies[i];
      noc_routing_names(t, routings, sizeof routings);
      printf("%s\n  {\"name\": \"%s\", \"summary\": \"%s\", \"routing\": \"%s\"}",
             i ? "," : "", t->name, t->help, routings);
    }
    printf("\n]}\n");
    return 0;
  }
  printf("core types (core_kind):\n");
  for (size_t i = 0; core_types[i]; i++) {
    const core_type *t = core_types[i];
    printf("  %-11s %s\n  %-11s steps end at a %s; spikes %s; %s\n", t->name, t->summary, "",
           type_sync(t), type_routing(t),
           t->flags & CORE_NO_LEARNING ? "no learning" : "learning");
  }
  printf("topologies (noc.topology):\n");
  for (size_t i = 0; noc_topologies[i]; i++) {
    noc_routing_names(noc_topologies[i], routings, sizeof routings);
    printf("  %-11s %s (routing: %s)\n", noc_topologies[i]->name, noc_topologies[i]->help,
           routings);
  }
  return 0;
}

static int cmd_chips(int argc, char **argv) {
  bool json = false, types = false;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--json")) json = true;
    else if (!strcmp(argv[i], "--types")) types = true;
    else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      fputs(usage_chips, stdout);
      return 0;
    } else return cli_bad_usage("chips", "unexpected argument '%s'", argv[i]);
  }
  if (types) return print_types(json);
  if (json) printf("[");
  else printf("%-12s %-10s %-8s %6s %6s %8s %10s %10s %10s %10s  %-13s  %s\n", "preset",
              "kind", "topology", "tiles", "cores", "neur/core", "synop pJ", "synop ns",
              "hop E-W pJ", "static mW", "figures c/d/e", "pacing");
  for (size_t i = 0; nmsim_chip_presets[i]; i++) {
    nmsim_chip *c = NULL;
    nmsim_err err = {0};
    nmsim_status st = nmsim_chip_load(nmsim_chip_presets[i], NULL, &c, &err);
    if (st != NMSIM_OK) return fail(st, &err);
    bool spin = c->core_type->flags & CORE_CHIP_PE;
    const char *kind = c->core_type->name;
    uint32_t prov[CHIP_PROV_KINDS];
    chip_provenance(c->text, prov);
    if (json) {
      printf("%s\n  {\"name\": \"%s\", \"core_kind\": \"%s\", \"topology\": \"%s\", "
             "\"routing\": \"%s\", \"tiles\": %u, \"cores\": %u, "
             "\"neurons_per_core\": %u, \"synaptic_op_pj\": %.17g, \"synaptic_op_ns\": %.17g, "
             "\"hop_ew_pj\": %.17g, \"hop_ns_pj\": %.17g, \"static_power_mw\": %.17g",
             i ? "," : "", c->name, kind, c->topology->name, c->routing->name, chip_n_tiles(c),
             chip_n_cores(c), c->max_neurons,
             c->syn_op.energy_pj, c->syn_op.time_ps / 1000.0, c->hop_ew.energy_pj,
             c->hop_ns.energy_pj, c->static_power_mw);
      /* PEs on a clocked processor: the clock, tick, cycle counts and router capacity */
      if (spin)
        printf(", \"clock_mhz\": %.17g, \"tick_ms\": %.17g, \"energy_per_cycle_pj\": %.17g, "
               "\"cycles_per_synapse\": %u, \"cycles_per_packet\": %u, "
               "\"cycles_per_neuron_update\": %u, \"router_entries\": %u",
               c->pe.clock_hz / 1e6, (double)c->pe.tick_ps / 1e9, c->pe.pj_per_cycle,
               c->pe.cyc_synapse, c->pe.cyc_packet, c->pe.cyc_neuron, c->router_entries);
      /* DVFS performance levels, slowest first */
      if (spin && c->pe.n_levels) {
        printf(", \"dvfs_switch_ns\": %.17g, \"dvfs_levels\": [", (double)c->pe.switch_ps / 1e3);
        for (uint32_t l = 0; l < c->pe.n_levels; l++)
          printf("%s{\"clock_mhz\": %.17g, \"voltage_v\": %.17g, \"energy_per_cycle_pj\": %.17g, "
                 "\"static_mw\": %.17g}", l ? ", " : "", c->pe.level[l].clock_hz / 1e6,
                 c->pe.level[l].volts, c->pe.level[l].pj_per_cycle, c->pe.level[l].static_mw);
        printf("]");
      }
      /* a global tick (core_kind truenorth) */
      if (c->core_type->flags & CORE_CHIP_TICK)
        printf(", \"tick_ms\": %.17g", (double)c->tick_ps / 1e9);
      printf(", \"figures\": {\"cited\": %u, \"derived\": %u, \"estimated\": %u, "
             "\"unsourced\": %u}", prov[CHIP_PROV_CITED], prov[CHIP_PROV_DERIVED],
             prov[CHIP_PROV_ESTIMATE], prov[CHIP_PROV_NONE]);
      printf(", \"pacing\": \"%s\", \"pacing_ms\": %.17g, \"static_gated\": %s",
             c->pacing == NM_PACE_FAST ? "fast" : "realtime", (double)c->pacing_ps / 1e9,
             c->static_gated ? "true" : "false");
      printf(", \"core_type\": ");
      print_type_json(c->core_type);
      printf("}");
    } else {
      char pace[48];
      if (c->pacing == NM_PACE_FAST) snprintf(pace, sizeof pace, "fast");
      else snprintf(pace, sizeof pace, "real time %g ms", (double)c->pacing_ps / 1e9);
      char dvfs[64] = "";
      if (spin && c->pe.n_levels)
        snprintf(dvfs, sizeof dvfs, ", DVFS %u levels %g-%g MHz", c->pe.n_levels,
                 c->pe.level[0].clock_hz / 1e6, c->pe.level[c->pe.n_levels - 1].clock_hz / 1e6);
      char figs[40];
      snprintf(figs, sizeof figs, "%u/%u/%u%s", prov[CHIP_PROV_CITED], prov[CHIP_PROV_DERIVED],
               prov[CHIP_PROV_ESTIMATE], prov[CHIP_PROV_NONE] ? " +?" : "");
      printf("%-12s %-10s %-8s %6u %6u %8u %10.4g %10.4g %10.4g %10.4g  %-13s  %s%s\n", c->name,
             kind, c->topology->name, chip_n_tiles(c), chip_n_cores(c), c->max_neurons,
             c->syn_op.energy_pj, c->syn_op.time_ps / 1000.0, c->hop_ew.energy_pj,
             c->static_power_mw, figs, pace, dvfs);
    }
    nmsim_chip_destroy(c);
  }
  if (json) printf("\n]\n");
  return 0;
}

static int dispatch(int argc, char **argv);

int main(int argc, char **argv) {
  /* a write past the file size limit (ulimit -f) fails with EFBIG, reported
   * as any failed write, instead of killing the process */
  signal(SIGXFSZ, SIG_IGN);
  H5dont_atexit(); /* h5o_shutdown instead, below */
  nmc_init(&argc, &argv); /* MPI, when launched by mpirun in an MPI build */
  int rc = dispatch(argc, argv);
  /* what a command printed must have reached its destination (a full disk,
   * a closed pipe, /dev/full): a failed write is a failure, exit 1 */
  errno = 0;
  if ((fflush(stdout) != 0 || ferror(stdout)) && rc == 0) {
    fprintf(stderr, "nmsim: cannot write the output: %s\n",
            errno ? strerror(errno) : "write error");
    rc = 1;
  }
  h5o_shutdown();
  nmc_finalize();
  return rc;
}

static int dispatch(int argc, char **argv) {
  if (argc < 2) {
    fputs(usage_main, stderr);
    return 2;
  }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "help") && argc >= 3) { /* nmsim help COMMAND: COMMAND --help */
    char help[] = "--help";
    char *sub[] = {argv[0], argv[2], help, NULL};
    return dispatch(3, sub);
  }
  if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
    fputs(usage_main, stdout);
    return 0;
  }
  if (!strcmp(cmd, "--version")) {
    printf("nmsim %s\n", nmsim_version());
    return 0;
  }
  if (!strcmp(cmd, "run")) return cmd_run(argc - 1, argv + 1);
  if (!strcmp(cmd, "report")) return cmd_report(argc - 1, argv + 1);
  if (!strcmp(cmd, "validate")) return cmd_validate(argc - 1, argv + 1);
  if (!strcmp(cmd, "chips")) return cmd_chips(argc - 1, argv + 1);
  if (!strcmp(cmd, "sweep")) {
    if (nmc_size() > 1) { /* every rank would record every run */
      if (nmc_rank() == 0)
        fprintf(stderr, "nmsim sweep: run a sweep in one process; mpirun -np N splits single "
                        "runs (nmsim run)\n");
      return 2;
    }
    return cli_sweep(argc - 1, argv + 1);
  }
  if (!strcmp(cmd, "dvs")) return cli_dvs(argc - 1, argv + 1);
  if (!strcmp(cmd, "nir")) return cli_nir(argc - 1, argv + 1);
  if (!strcmp(cmd, "validation")) return cli_validation(argc - 1, argv + 1);
  if (!strcmp(cmd, "models")) return cli_models(argc - 1, argv + 1);
  fprintf(stderr, "nmsim: unknown command '%s'\n\n%s", cmd, usage_main);
  return 2;
}
