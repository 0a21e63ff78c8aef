/* cli_sweep.c: `nmsim sweep` (every combination of the --set value lists,
 * each run recorded in the results database) and the recording of one run
 * that `nmsim run --db` shares with it. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "analysis/dbreport.h"
#include "sim/cli/cli.h"
#include "sim/base/file.h"
#include "sim/base/interrupt.h"
#include "sim/cli/cli_opts.h"
#include "sim/out/h5out.h"
#include "sim/system/run_int.h"

#define SWEEP_MAX_RUNS 100000u /* a product larger than this is surely a mistake */

int cli_exit_code(nmsim_status rc) {
  switch (rc) {
    case NMSIM_OK: return 0;
    case NMSIM_EINPUT:
    case NMSIM_EFORMAT:
    case NMSIM_ECAPACITY:
    case NMSIM_EIO: return 2;
    default: return 1;
  }
}




/* v (in units of unit[0]) with the unit of unit[] (steps of 1000) that keeps
 * it below 1000, as "12.345 uJ". */
static void fmt_scaled(char *buf, size_t n, double v, const char *const *unit, size_t n_units) {
  size_t u = 0;
  while (u + 1 < n_units && (v >= 1000.0 || v <= -1000.0)) v /= 1000.0, u++;
  snprintf(buf, n, "%.3f %s", v, unit[u]);
}

/* ---- value lists ------------------------------------------------------------ */

void cli_free_values(char **v, size_t n) {
  for (size_t i = 0; v && i < n; i++) nm_free(v[i]);
  nm_free(v);
}

/* Append list[a, b) without surrounding blanks to *v. */
static nmsim_status push_value(const char *key, const char *a, const char *b, char ***v,
                               size_t *n, size_t *cap, nmsim_err *err) {
  while (a < b && (*a == ' ' || *a == '\t')) a++;
  while (b > a && (b[-1] == ' ' || b[-1] == '\t')) b--;
  if (a == b) return NMSIM_ERR(err, NMSIM_EINPUT, "--set %s: an empty value in the list", key);
  if (nm_grow((void **)v, cap, *n + 1, sizeof **v)) return NMSIM_ENOMEM_ERR(err);
  char *s = nm_malloc((size_t)(b - a) + 1);
  if (!s) return NMSIM_ENOMEM_ERR(err);
  memcpy(s, a, (size_t)(b - a));
  s[b - a] = 0;
  (*v)[(*n)++] = s;
  return NMSIM_OK;
}

nmsim_status cli_split_values(const char *key, const char *list, char ***out, size_t *n,
                              nmsim_err *err) {
  char **v = NULL;
  size_t cnt = 0, cap = 0;
  int depth = 0;
  char quote = 0;
  const char *start = list;
  nmsim_status st = NMSIM_OK;
  for (const char *p = list;; p++) {
    if (*p == 0) {
      if (depth || quote) {
        st = NMSIM_ERR(err, NMSIM_EINPUT, "--set %s=%s: unbalanced %s", key, list,
                       quote ? "quote" : "brackets or braces");
        break;
      }
      st = push_value(key, start, p, &v, &cnt, &cap, err);
      break;
    }
    if (quote) {
      if (*p == quote) quote = 0;
    } else if (*p == '"' || *p == '\'') {
      quote = *p;
    } else if (*p == '[' || *p == '{') {
      depth++;
    } else if (*p == ']' || *p == '}') {
      if (--depth < 0) {
        st = NMSIM_ERR(err, NMSIM_EINPUT, "--set %s=%s: '%c' without its opening bracket", key,
                       list, *p);
        break;
      }
    } else if (*p == ',' && depth == 0) {
      if ((st = push_value(key, start, p, &v, &cnt, &cap, err))) break;
      start = p + 1;
    }
  }
  if (st) {
    cli_free_values(v, cnt);
    return st;
  }
  *out = v;
  *n = cnt;
  return NMSIM_OK;
}

/* ---- the sweep ------------------------------------------------------------------ */

static const char *usage_sweep =
    "usage: nmsim sweep SCENARIO.yaml --set KEY=V1,V2,... [--set ...] --db RESULTS.sqlite\n"
    "                   [-o DIR] [-j|--jobs N] [--json] [-q|--quiet]\n"
    "\n"
    "Run the scenario for every combination of the --set values (the first --set\n"
    "varies slowest) and record each run in the results database; then print the\n"
    "runs of this sweep side by side (as with nmsim report --db).\n"
    "  --set KEY=V1,V2,...   values split on commas outside [...], {...} and quotes,\n"
    "                        e.g. --set seed=1,2,3 --set 'record.spikes=[exc],[inh]'\n"
    "  --db RESULTS.sqlite   the results database (created if missing; several\n"
    "                        sweeps may write one database at once)\n"
    "  -o, --output DIR      also write each run's HDF5 file, DIR/<scenario>-<sweep>-<n>.h5\n"
    "  -j, --jobs N          run N of the combinations at once, each in its own process\n"
    "                        (1 to 256; default 1); they are recorded, printed and\n"
    "                        reported in combination order, with the results of one\n"
    "                        job)\n"
    "  --json                print the sweep's runs as JSON\n"
    "  -q, --quiet           no per-run lines or progress on stderr\n"
    "Exit status: 0 if every run completed, 1 if any failed, 2 on bad usage or input.\n";

typedef struct sweep_axis {
  const char *key;
  char **values;
  size_t n;
} sweep_axis;

typedef struct sweep {
  const char *scenario, *db_path, *dir;
  bool json, quiet;
  int jobs;
  sweep_axis *axes;
  size_t n_axes;
  nmsim_override *ov; /* one combination: n_axes entries */
  size_t total;
} sweep;

static int sweep_usage(const char *fmt, const char *arg) {
  return cli_bad_usage("sweep", fmt, arg);
}

/* Overrides of combination i (mixed radix, the last axis fastest). */
static void combination(sweep *w, size_t i) {
  for (size_t a = w->n_axes; a-- > 0;) {
    sweep_axis *x = &w->axes[a];
    w->ov[a] = (nmsim_override){.key = x->key, .value = x->values[i % x->n]};
    i /= x->n;
  }
}

/* "a=1 b=x" of the current combination. */
static void combo_text(const sweep *w, char *buf, size_t n) {
  size_t used = 0;
  buf[0] = 0;
  for (size_t a = 0; a < w->n_axes && used < n; a++)
    used += (size_t)snprintf(buf + used, n - used, "%s%s=%s", a ? " " : "", w->ov[a].key,
                             w->ov[a].value);
}

/* The scenario file name without folder and extension. */
static void stem_of(const char *path, char *buf, size_t n) {
  const char *b = strrchr(path, '/');
  b = b ? b + 1 : path;
  snprintf(buf, n, "%s", b);
  char *dot = strrchr(buf, '.');
  if (dot && dot != buf) *dot = 0;
}

/* One --set KEY=V1,V2,...: an axis of the sweep. */
static int sweep_axis_add(void *ctx, char *arg) {
  sweep *w = ctx;
  char *eq = strchr(arg, '=');
  if (!eq || eq == arg) return sweep_usage("--set expects KEY=V1,V2,..., got '%s'", arg);
  *eq = 0;
  /* two lists for one key would make runs that differ in name only */
  for (size_t a = 0; a < w->n_axes; a++)
    if (strcmp(w->axes[a].key, arg) == 0)
      return sweep_usage("--set %s is given twice: give all its values in one list", arg);
  sweep_axis *na = nm_realloc(w->axes, (w->n_axes + 1) * sizeof *na);
  if (!na) return sweep_usage("%s", "out of memory");
  w->axes = na;
  sweep_axis *x = &w->axes[w->n_axes];
  *x = (sweep_axis){.key = arg};
  nmsim_err err = {0};
  nmsim_status st = cli_split_values(arg, eq + 1, &x->values, &x->n, &err);
  if (st) return sweep_usage("%s", err.msg);
  w->n_axes++;
  return 0;
}

static int parse_sweep(int argc, char **argv, sweep *w) {
  cli_opts o = {.on_set = sweep_axis_add, .set_ctx = w};
  int rc = cli_parse("sweep", usage_sweep, CLI_OUT | CLI_DB | CLI_JSON | CLI_QUIET | CLI_JOBS,
                     argc, argv, &o);
  if (rc) return rc;
  w->db_path = o.db;
  w->dir = o.out;
  w->json = o.json;
  w->quiet = o.quiet;
  w->jobs = o.jobs ? o.jobs : 1;
  w->scenario = o.scenario;
  if (!w->db_path) return sweep_usage("%s", "--db RESULTS.sqlite is required");
  if (w->n_axes == 0) return sweep_usage("%s", "nothing to sweep: give --set KEY=V1,V2,...");
  w->total = 1;
  for (size_t a = 0; a < w->n_axes; a++) {
    if (w->total > SWEEP_MAX_RUNS / w->axes[a].n)
      return sweep_usage("more than %s runs: split the sweep", "100000");
    w->total *= w->axes[a].n;
  }
  w->ov = nm_calloc(w->n_axes, sizeof *w->ov);
  if (!w->ov) return sweep_usage("%s", "out of memory");
  return 0;
}

/* Every combination loads: bad input is found before any run. */
static int sweep_validate(sweep *w) {
  char combo[1024];
  for (size_t i = 0; i < w->total; i++) {
    combination(w, i);
    nmsim_err err = {0};
    nmsim_scenario *scn = NULL;
    nmsim_status st = nmsim_scenario_load(w->scenario, w->ov, w->n_axes, &scn, &err);
    nmsim_scenario_destroy(scn);
    if (st) {
      combo_text(w, combo, sizeof combo);
      fprintf(stderr, "nmsim sweep: run %zu of %zu (%s): %s\n", i + 1, w->total, combo,
              err.msg[0] ? err.msg : nmsim_strerror(st));
      return cli_exit_code(st);
    }
  }
  return 0;
}

/* sweep_one: the run could not be recorded (the sweep exits 1) */
#define SWEEP_NOT_RECORDED 3

/* One combination, run and waiting to be recorded. */
typedef struct sweep_done {
  size_t i;
  char combo[1024], file[4096], start[32];
  nmsim_scenario *scn;
  char *params;
  run_summary sum;
  nmsim_status rst;
  nmsim_err rerr;
  double wall;
} sweep_done;

/* Run combination i into *d. Returns 0, or the exit status of a scenario
 * that does not load (nothing to record). */
static int sweep_exec(sweep *w, size_t i, const char *sweep_id, bool progress, sweep_done *d) {
  char stem[256];
  memset(d, 0, sizeof *d);
  d->i = i;
  combination(w, i);
  combo_text(w, d->combo, sizeof d->combo);
  nmsim_err err = {0};
  nmsim_status st = nmsim_scenario_load(w->scenario, w->ov, w->n_axes, &d->scn, &err);
  if (st) {
    fprintf(stderr, "nmsim sweep: run %zu (%s): %s\n", i + 1, d->combo, err.msg);
    return cli_exit_code(st);
  }
  if (w->dir) {
    int digits = snprintf(NULL, 0, "%zu", w->total);
    stem_of(w->scenario, stem, sizeof stem);
    /* the sweep's id in the name: two sweeps into one DIR, at once or one
     * after the other, never write over each other's runs */
    char id[64];
    size_t k = 0;
    for (const char *c = sweep_id; *c && k + 1 < sizeof id; c++)
      if (*c != ':') id[k++] = *c;
    id[k] = 0;
    snprintf(d->file, sizeof d->file, "%s/%s-%s-%0*zu.h5", w->dir, stem, id, digits, i + 1);
  }
  d->params = rdb_params_json(w->ov, w->n_axes);
  run_opts ro = {.h5_path = w->dir ? d->file : NULL,
                 .progress = progress,
                 .overrides_json = d->params};
  run_utc(d->start);
  double t0 = run_now();
  d->rst = d->params ? run_scenario(d->scn, &ro, &d->sum, &d->rerr) : NMSIM_ENOMEM;
  d->wall = run_now() - t0;
  return 0;
}

/* Record the run in d and say how it went; frees d. Returns 0, 1 (the run
 * failed, recorded) or SWEEP_NOT_RECORDED. */
static int sweep_note(sweep *w, rdb *db, const char *sweep_id, sweep_done *d) {
  nmsim_err err = {0};
  int64_t id = 0;
  const char *file = w->dir && d->file[0] ? d->file : NULL; /* none for a lost run */
  nmsim_status st =
      d->params ? run_record(db, d->scn, d->params, sweep_id, file, d->start, d->wall, d->rst,
                             &d->rerr, &d->sum, &id, &err)
                : NMSIM_ERR(&err, NMSIM_ENOMEM, "out of memory");
  int rc = 0;
  size_t i = d->i;
  if (st) {
    /* the row could not be written (a full disk): a failed write, exit 1 */
    fprintf(stderr, "nmsim sweep: run %zu (%s): %s\n", i + 1, d->combo, err.msg);
    rc = SWEEP_NOT_RECORDED;
  } else if (d->rst) {
    fprintf(stderr, "nmsim sweep: run %zu of %zu (%s) failed (recorded as run %lld): %s\n",
            i + 1, w->total, d->combo, (long long)id,
            d->rerr.msg[0] ? d->rerr.msg : nmsim_strerror(d->rst));
    rc = 1;
  } else if (!w->quiet) {
    static const char *const eu[] = {"pJ", "nJ", "uJ", "mJ", "J"}, *const tu[] = {"ns", "us", "ms", "s"};
    char e[32], t[32];
    fmt_scaled(e, sizeof e, d->sum.total_pj, eu, NM_ARRAY_LEN(eu));
    fmt_scaled(t, sizeof t, d->sum.step_mean_ps / NMSIM_PS_PER_NS, tu, NM_ARRAY_LEN(tu));
    fprintf(stderr, "[%zu/%zu] %s: %s, energy %s, step mean %s, %.2f s (run %lld%s%s)\n",
            i + 1, w->total, d->combo, d->sum.status, e, t, d->wall, (long long)id,
            file ? ", " : "", file ? file : "");
  }
  run_summary_clear(&d->sum);
  nm_free(d->params);
  nmsim_scenario_destroy(d->scn);
  d->params = NULL;
  d->scn = NULL;
  return rc;
}

/* Run combination i, record it, and say how it went: sweep_note's status,
 * or the exit status of a scenario that does not load. */
static int sweep_one(sweep *w, size_t i, rdb *db, const char *sweep_id) {
  sweep_done *d = nm_malloc(sizeof *d);
  if (!d) {
    fprintf(stderr, "nmsim sweep: run %zu: out of memory\n", i + 1);
    return 2;
  }
  int rc = sweep_exec(w, i, sweep_id, !w->quiet && isatty(2), d);
  if (!rc) rc = sweep_note(w, db, sweep_id, d);
  nm_free(d);
  return rc;
}

/* Every combination in turn, until one is interrupted; *recorded counts the
 * rows written, *last the combinations done. Returns 0, 1 (a run failed)
 * or 2 (a combination does not load: the sweep stops). */
static int sweep_serial(sweep *w, rdb *db, const char *sweep_id, size_t *recorded, size_t *last) {
  int rc = 0;
  for (size_t i = 0; i < w->total && !nm_interrupted(); i++) {
    int one = sweep_one(w, i, db, sweep_id);
    if (one == 2) return 2;
    *recorded += one != SWEEP_NOT_RECORDED;
    *last = i + 1;
    if (one) rc = 1;
  }
  return rc;
}

/* ---- several runs at once (--jobs N) ----------------------------------------
 * Each job is a process forked from the sweep: runs share nothing (no lock
 * between them, and the input readers' own fork stays in a process of one
 * thread). The sweep hands a job a combination over a pipe; the job runs it,
 * then waits for its turn to record it: the sweep lets the job holding the
 * next combination in order record, and hears its status back. So the rows
 * of the database, the lines on stderr and the report come in combination
 * order whatever the number of jobs, and each run is the run one process
 * makes (the same results, bit for bit). */

enum { JOB_RUN = 1, JOB_RECORD = 2 };

typedef struct job_msg {
  uint64_t kind, i; /* parent to job: JOB_RUN i, JOB_RECORD; job to parent: its status in i */
} job_msg;

typedef struct sweep_job {
  pid_t pid;
  int to, from; /* pipes: to the job, from it */
} sweep_job;

static bool msg_io(int fd, job_msg *m, bool wr) {
  return wr ? nm_fd_write_all(fd, m, sizeof *m) : nm_fd_read_all(fd, m, sizeof *m);
}

/* The job's side: run what it is handed, record each in its turn, until
 * the sweep closes the pipe. */
static NMSIM_NORETURN void job_main(sweep *w, const char *sweep_id, int in, int out) {
  nmsim_err err = {0};
  rdb *db = NULL;
  int code = 0;
  if (rdb_open(w->db_path, &db, &err)) {
    fprintf(stderr, "nmsim sweep: %s\n", err.msg);
    code = 2;
  }
  job_msg m;
  sweep_done *d = nm_malloc(sizeof *d);
  while (!code && d && msg_io(in, &m, false) && m.kind == JOB_RUN) {
    int rc = sweep_exec(w, (size_t)m.i, sweep_id, false, d);
    job_msg turn;
    if (!msg_io(in, &turn, false) || turn.kind != JOB_RECORD) break;
    if (!rc) rc = sweep_note(w, db, sweep_id, d);
    m = (job_msg){.kind = JOB_RECORD, .i = (uint64_t)rc};
    if (!msg_io(out, &m, true)) break;
  }
  nm_free(d);
  rdb_close(db);
  fflush(stderr);
  h5o_shutdown();
  _exit(code);
}

/* Start job j: false (with a message) if the system refuses. */
static bool job_start(sweep *w, const char *sweep_id, sweep_job *jobs, size_t n, size_t j) {
  int to[2], from[2];
  if (pipe(to) != 0) goto fail;
  if (pipe(from) != 0) {
    close(to[0]), close(to[1]);
    goto fail;
  }
  fflush(NULL); /* the job must not write the sweep's buffered output */
  pid_t pid = fork();
  if (pid < 0) {
    close(to[0]), close(to[1]), close(from[0]), close(from[1]);
    goto fail;
  }
  if (pid == 0) {
    for (size_t k = 0; k < n; k++) /* the other jobs' pipes are not this job's */
      if (jobs[k].pid > 0) close(jobs[k].to), close(jobs[k].from);
    close(to[1]);
    close(from[0]);
    job_main(w, sweep_id, to[0], from[1]);
  }
  close(to[0]);
  close(from[1]);
  jobs[j] = (sweep_job){.pid = pid, .to = to[1], .from = from[0]};
  return true;
fail:
  fprintf(stderr, "nmsim sweep: cannot start job %zu of %zu: %s\n", j + 1, n, strerror(errno));
  return false;
}

/* The end of job j: its pipes closed, the process waited for; its exit
 * described in why. */
static void job_end(sweep_job *jb, char *why, size_t n) {
  if (jb->pid <= 0) return;
  close(jb->to);
  close(jb->from);
  int status = 0;
  while (waitpid(jb->pid, &status, 0) < 0 && errno == EINTR) {}
  if (WIFSIGNALED(status)) snprintf(why, n, "was killed by signal %d", WTERMSIG(status));
  else snprintf(why, n, "exited with status %d", WEXITSTATUS(status));
  jb->pid = 0;
}

/* A job ended before recording combination i: record it as failed here,
 * through a connection of its own (none is open while jobs are forked: an
 * SQLite connection must not cross a fork). */
static int job_lost(sweep *w, const char *sweep_id, size_t i, const char *why) {
  nmsim_err oerr = {0};
  rdb *db = NULL;
  if (rdb_open(w->db_path, &db, &oerr)) {
    fprintf(stderr, "nmsim sweep: %s\n", oerr.msg);
    return 2;
  }
  sweep_done *d = nm_calloc(1, sizeof *d);
  if (!d) {
    rdb_close(db);
    return 2;
  }
  d->i = i;
  combination(w, i);
  combo_text(w, d->combo, sizeof d->combo);
  nmsim_err err = {0};
  int rc = 1;
  if (nmsim_scenario_load(w->scenario, w->ov, w->n_axes, &d->scn, &err) == NMSIM_OK &&
      (d->params = rdb_params_json(w->ov, w->n_axes))) {
    run_utc(d->start);
    d->rst = NMSIM_EINTERNAL;
    NMSIM_ERR(&d->rerr, NMSIM_EINTERNAL, "the job running it %s before recording it", why);
    rc = sweep_note(w, db, sweep_id, d);
  } else {
    fprintf(stderr, "nmsim sweep: run %zu (%s): the job running it %s\n", i + 1, d->combo, why);
    nmsim_scenario_destroy(d->scn);
  }
  nm_free(d);
  rdb_close(db);
  return rc;
}

/* Every combination over n jobs; *recorded counts the rows written, *last
 * the combinations done (in order). Returns sweep_one's worst status. */
static int sweep_jobs(sweep *w, const char *sweep_id, size_t n, size_t *recorded,
                      size_t *last) {
  sweep_job *jobs = nm_calloc(n, sizeof *jobs);
  size_t *holder = nm_malloc(w->total * sizeof *holder); /* the job of each combination */
  if (!jobs || !holder) {
    nm_free(jobs);
    nm_free(holder);
    fprintf(stderr, "nmsim sweep: out of memory\n");
    return 2;
  }
  /* a job that died closes its pipe: the write to it then fails (EPIPE)
   * instead of killing the sweep */
  void (*pipe_was)(int) = signal(SIGPIPE, SIG_IGN);
  int rc = 0;
  size_t next = 0; /* the next combination to hand out */
  for (size_t j = 0; j < n && next < w->total; j++) {
    if (!job_start(w, sweep_id, jobs, n, j)) {
      rc = 2;
      break;
    }
    job_msg m = {.kind = JOB_RUN, .i = next};
    if (!msg_io(jobs[j].to, &m, true)) break; /* found when its turn comes */
    holder[next++] = j;
  }
  size_t r = 0;
  for (; r < next; r++) {
    sweep_job *jb = &jobs[holder[r]];
    job_msg m = {.kind = JOB_RECORD};
    int one;
    if (msg_io(jb->to, &m, true) && msg_io(jb->from, &m, false)) {
      one = (int)m.i;
    } else {
      char why[64] = "ended";
      job_end(jb, why, sizeof why);
      one = job_lost(w, sweep_id, r, why);
    }
    if (one == 2 || (one != 0 && one != 1 && one != SWEEP_NOT_RECORDED)) rc = 2;
    else if (one && rc == 0) rc = 1;
    *recorded += one == 0 || one == 1;
    *last = r + 1;
    if (rc == 2 || nm_interrupted()) continue; /* the runs handed out are recorded, no more */
    if (next < w->total) { /* the job (or a new one in its place) takes the next */
      size_t j = holder[r];
      if (jb->pid <= 0 && !job_start(w, sweep_id, jobs, n, j)) {
        rc = 2;
        continue;
      }
      m = (job_msg){.kind = JOB_RUN, .i = next};
      if (msg_io(jobs[j].to, &m, true)) {
        holder[next++] = j;
      }
    }
  }
  for (size_t j = 0; j < n; j++) {
    char why[64];
    job_end(&jobs[j], why, sizeof why);
  }
  signal(SIGPIPE, pipe_was);
  if (rc != 2 && *last < w->total && !nm_interrupted()) {
    fprintf(stderr, "nmsim sweep: the jobs ended after %zu of %zu runs\n", *last, w->total);
    rc = 2;
  }
  nm_free(jobs);
  nm_free(holder);
  return rc;
}

int cli_sweep(int argc, char **argv) {
  sweep w = {0};
  rdb *db = NULL;
  int rc = parse_sweep(argc, argv, &w);
  if (rc) goto done;
  if ((rc = sweep_validate(&w))) goto done;
  if (w.dir && mkdir(w.dir, 0777) != 0 && errno != EEXIST) {
    fprintf(stderr, "nmsim sweep: %s: cannot create the output folder: %s\n", w.dir,
            strerror(errno));
    rc = 2;
    goto done;
  }
  nmsim_err err = {0};
  nmsim_status st = rdb_open(w.db_path, &db, &err);
  if (st) {
    fprintf(stderr, "nmsim sweep: %s\n", err.msg);
    rc = cli_exit_code(st);
    goto done;
  }
  /* one id for the runs of this sweep: its start time and process */
  char sweep_id[64], when[32];
  run_utc(when);
  snprintf(sweep_id, sizeof sweep_id, "%s-%ld", when, (long)getpid());
  if (!w.quiet)
    fprintf(stderr, "nmsim sweep: %zu runs into %s (sweep %s)\n", w.total, w.db_path, sweep_id);
  nm_interrupt_catch(); /* Ctrl-C ends the current run at a step, recorded */
  size_t recorded = 0, last = 0;
  if (w.jobs > 1 && w.total > 1) {
    rdb_close(db); /* each job opens its own: a connection must not cross a fork */
    db = NULL;
    rc = sweep_jobs(&w, sweep_id, NM_MIN((size_t)w.jobs, w.total), &recorded, &last);
  } else {
    rc = sweep_serial(&w, db, sweep_id, &recorded, &last);
  }
  if (rc == 2) goto done;
  if (nm_interrupted()) {
    fprintf(stderr, "nmsim sweep: interrupted by %s during run %zu of %zu; runs 1 to %zu are "
                    "recorded in %s (sweep %s)\n",
            nm_interrupt_name(nm_interrupted()), last, w.total, last, w.db_path, sweep_id);
    rc = 128 + nm_interrupted();
    goto done;
  }
  rdb_close(db);
  db = NULL;
  if (recorded && (st = dbreport(stdout, w.db_path, sweep_id, w.json, &err))) {
    fprintf(stderr, "nmsim sweep: %s\n", err.msg);
    rc = cli_exit_code(st);
  }
  /* a failed write to stdout: main says so and exits 1 */
done:
  rdb_close(db);
  for (size_t a = 0; a < w.n_axes; a++) cli_free_values(w.axes[a].values, w.axes[a].n);
  nm_free(w.axes);
  nm_free(w.ov);
  return rc < 0 ? 0 : rc;
}
