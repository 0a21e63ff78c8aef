/* test_dvs_cli.c: `nmsim dvs info` and `nmsim dvs convert` end to end on
 * generated recordings: text and JSON, the HDF5 events file (HDF5 C API and
 * h5py through NMSIM_PYTHON), exit 2 with the file and byte offset on bad input,
 * usage errors and --help. */
#include <criterion/criterion.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dvs_gen.h"
#include "tests_util.h"

static int nmsim(const char *args, char **out, char **err) {
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "%s %s", NMSIM_BINARY, args);
  return tu_run(cmd, out, err);
}

/* A generated EVT 2.0 recording (640 x 480 in its header): path and events. */
static dvs_event *make_evt2(char *path, size_t len, size_t n, bool gz) {
  snprintf(path, len, "%s", tu_tmp("cli", gz ? ".raw.gz" : ".raw"));
  dvs_event *e = tg_events(n, 77, 5000, 30, 640, 480);
  tg_buf b = {0};
  tg_evt2(&b, e, n, true);
  cr_assert_eq(tg_write(&b, path, gz), 0);
  tg_free(&b);
  return e;
}

static long long json_int(const char *js, const char *key) {
  char k[64];
  snprintf(k, sizeof k, "\"%s\": ", key);
  const char *a = strstr(js, k);
  cr_assert(a, "JSON lacks %s: %s", key, js);
  return atoll(a + strlen(k));
}

/* info --json prints the DESIGN.md keys (format, width, height, events,
 * t_first_us, t_last_us, on, off) plus duration_us and rate_hz, with the
 * values of the recording; the same for its gzip-compressed copy. */
Test(dvs_cli, info_json) {
  char path[512], args[1024];
  size_t n = 3000;
  for (int gz = 0; gz < 2; gz++) {
    dvs_event *e = make_evt2(path, sizeof path, n, gz);
    uint64_t on = 0;
    for (size_t i = 0; i < n; i++) on += e[i].p;
    char *out = NULL, *err = NULL;
    snprintf(args, sizeof args, "dvs info %s --json", path);
    int rc = nmsim(args, &out, &err);
    cr_assert_eq(rc, 0, "exit %d: %s", rc, err);
    cr_assert(strstr(out, "\"format\": \"evt2\"") && strstr(out, "\"rate_hz\": "), "%s", out);
    cr_assert(strstr(out, gz ? "\"compressed\": true" : "\"compressed\": false"), "%s", out);
    struct {
      const char *key;
      long long want;
    } kv[] = {{"width", 640},
              {"height", 480},
              {"events", (long long)n},
              {"t_first_us", e[0].t_us},
              {"t_last_us", e[n - 1].t_us},
              {"duration_us", e[n - 1].t_us - e[0].t_us},
              {"on", (long long)on},
              {"off", (long long)(n - on)}};
    for (size_t k = 0; k < NM_ARRAY_LEN(kv); k++) {
      long long got = json_int(out, kv[k].key);
      cr_assert_eq(got, kv[k].want, "%s: %lld, expected %lld", kv[k].key, got, kv[k].want);
    }
    double rate = strtod(strstr(out, "\"rate_hz\": ") + 11, NULL);
    double want = (double)n / ((double)(e[n - 1].t_us - e[0].t_us) * 1e-6);
    cr_assert(rate > want * 0.999999 && rate < want * 1.000001, "rate %g, expected %g", rate,
              want);
    free(out), free(err), free(e);
    remove(path);
  }
}

/* info without --json: format, resolution, counts, time range, duration and
 * mean rate, one per line. */
Test(dvs_cli, info_text) {
  char path[512], args[1024];
  dvs_event *e = make_evt2(path, sizeof path, 100, false);
  char *out = NULL, *err = NULL, want[128];
  snprintf(args, sizeof args, "dvs info --format evt2 %s", path);
  cr_assert_eq(nmsim(args, &out, &err), 0, "%s", err);
  snprintf(want, sizeof want, "time        %lld us .. %lld us", (long long)e[0].t_us,
           (long long)e[99].t_us);
  const char *lines[] = {"format      evt2 (Prophesee RAW EVT 2.0)",
                         "resolution  640 x 480 (from the header)", "events      100 (ON ",
                         want, "duration    ", "mean rate   "};
  for (size_t i = 0; i < NM_ARRAY_LEN(lines); i++)
    cr_assert(strstr(out, lines[i]), "output lacks '%s':\n%s", lines[i], out);
  free(out), free(err), free(e);
  remove(path);
}

static void *read_ds(hid_t f, const char *name, hid_t type, size_t el, size_t *n, bool *deflate) {
  hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
  cr_assert_geq(d, 0, "dataset %s", name);
  hid_t sp = H5Dget_space(d), pl = H5Dget_create_plist(d);
  *n = (size_t)H5Sget_simple_extent_npoints(sp);
  cr_assert_eq(H5Pget_layout(pl), H5D_CHUNKED, "%s is chunked", name);
  *deflate = false;
  for (int i = 0; i < H5Pget_nfilters(pl); i++) {
    unsigned flags;
    size_t nv = 0;
    *deflate |= H5Pget_filter2(pl, (unsigned)i, &flags, &nv, NULL, 0, NULL, NULL) ==
                H5Z_FILTER_DEFLATE;
  }
  void *buf = malloc(*n * el + 1);
  cr_assert_geq(H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), 0);
  H5Pclose(pl);
  H5Sclose(sp);
  H5Dclose(d);
  return buf;
}

/* convert writes t_us (int64), x, y (uint16) and p (uint8): chunked,
 * deflate-compressed, equal to the recording's events, with attributes
 * width, height and format. A batch boundary (65536) is crossed. */
Test(dvs_cli, convert_to_hdf5, .timeout = 60) {
  char path[512], h5[512], args[1200];
  size_t n = 70000;
  dvs_event *e = make_evt2(path, sizeof path, n, true);
  snprintf(h5, sizeof h5, "%s", tu_tmp("events", ".h5"));
  char *out = NULL, *err = NULL;
  snprintf(args, sizeof args, "dvs convert %s -o %s", path, h5);
  cr_assert_eq(nmsim(args, &out, &err), 0, "%s", err);
  hid_t f = H5Fopen(h5, H5F_ACC_RDONLY, H5P_DEFAULT);
  cr_assert_geq(f, 0);
  size_t k;
  bool z;
  int64_t *t = read_ds(f, "t_us", H5T_NATIVE_INT64, 8, &k, &z);
  cr_assert(k == n && z, "t_us: %zu values, deflate %d", k, z);
  uint16_t *x = read_ds(f, "x", H5T_NATIVE_UINT16, 2, &k, &z);
  uint16_t *y = read_ds(f, "y", H5T_NATIVE_UINT16, 2, &k, &z);
  uint8_t *p = read_ds(f, "p", H5T_NATIVE_UINT8, 1, &k, &z);
  for (size_t i = 0; i < n; i++)
    cr_assert(t[i] == e[i].t_us && x[i] == e[i].x && y[i] == e[i].y && p[i] == e[i].p,
              "event %zu: (%lld, %u, %u, %u), expected (%lld, %u, %u, %u)", i, (long long)t[i],
              x[i], y[i], p[i], (long long)e[i].t_us, e[i].x, e[i].y, e[i].p);
  uint32_t w = 0, h = 0;
  hid_t a = H5Aopen(f, "width", H5P_DEFAULT);
  H5Aread(a, H5T_NATIVE_UINT32, &w);
  H5Aclose(a);
  a = H5Aopen(f, "height", H5P_DEFAULT);
  H5Aread(a, H5T_NATIVE_UINT32, &h);
  H5Aclose(a);
  cr_assert(w == 640 && h == 480, "width %u height %u", w, h);
  a = H5Aopen(f, "format", H5P_DEFAULT);
  cr_assert_geq(a, 0, "attribute format");
  char *fmt = NULL;
  hid_t st = H5Tcopy(H5T_C_S1);
  H5Tset_size(st, H5T_VARIABLE);
  H5Tset_cset(st, H5T_CSET_UTF8);
  cr_assert_geq(H5Aread(a, st, &fmt), 0);
  cr_assert_str_eq(fmt, "evt2");
  H5free_memory(fmt);
  H5Tclose(st);
  H5Aclose(a);
  H5Fclose(f);
  free(t), free(x), free(y), free(p), free(e), free(out), free(err);
  remove(path), remove(h5);
}

/* The events file of convert is readable by h5py alone (tests/py/check_events.py
 * through NMSIM_PYTHON): t_us, x, y and p are 1-D with the recording's length,
 * dtypes and first and last values, and the width, height and format
 * attributes are those of the generated recording. */
Test(dvs_cli, convert_read_by_h5py, .timeout = 60) {
  char path[512], h5[512], args[1200], cmd[2400];
  size_t n = 2500;
  dvs_event *e = make_evt2(path, sizeof path, n, false);
  snprintf(h5, sizeof h5, "%s", tu_tmp("events", ".h5"));
  char *out = NULL, *err = NULL;
  snprintf(args, sizeof args, "dvs convert %s -o %s", path, h5);
  int rc = nmsim(args, &out, &err);
  cr_assert_eq(rc, 0, "convert: exit %d, expected 0: %s", rc, err);
  free(out), free(err);
  snprintf(cmd, sizeof cmd,
           "%s %s/tests/py/check_events.py %s n=%zu width=640 height=480 format=evt2 "
           "t_us=%lld,%lld x=%u,%u y=%u,%u p=%u,%u",
           NMSIM_PYTHON, NMSIM_SOURCE_DIR, h5, n, (long long)e[0].t_us,
           (long long)e[n - 1].t_us, e[0].x, e[n - 1].x, e[0].y, e[n - 1].y, e[0].p, e[n - 1].p);
  rc = tu_run(cmd, &out, &err);
  char want[32];
  snprintf(want, sizeof want, "ok %zu", n);
  cr_assert(rc == 0 && out && strncmp(out, want, strlen(want)) == 0,
            "check_events.py: exit %d, expected 0 and '%s'; stdout [%s] stderr [%s]", rc, want,
            out ? out : "", err ? err : "");
  free(out), free(err), free(e);
  remove(path), remove(h5);
}

/* Bad input exits 2 with a message naming the file and the byte offset; a
 * failed convert leaves no output file. */
/* A convert whose output cannot be written to the end (a full disk; here
 * the file size limit of ulimit -f) exits 1 with the reason and leaves no
 * partial file behind (it used to exit 0 or crash, leaving the part). */
Test(dvs_cli, convert_failed_write_removes_output, .timeout = 60) {
  char path[512], h5[512], cmd[2048], *out = NULL, *err = NULL;
  dvs_event *e = make_evt2(path, sizeof path, 200000, false);
  snprintf(h5, sizeof h5, "%s", tu_tmp("full", ".h5"));
  snprintf(cmd, sizeof cmd, "sh -c 'ulimit -f 200; %s dvs convert %s -o %s; echo exit=$?'",
           NMSIM_BINARY, path, h5);
  cr_assert_eq(tu_run(cmd, &out, &err), 0);
  cr_assert(out && strstr(out, "exit=1"), "exit: '%s' (stderr %s)", out, err);
  cr_assert(err && strstr(err, h5), "stderr names the output: %s", err);
  cr_assert(strstr(err, "(File too large)"), "stderr gives the OS reason: %s", err);
  FILE *f = fopen(h5, "rb");
  cr_assert_null(f, "the partial output %s was left behind", h5);
  free(out);
  free(err);
  free(e);
  remove(path);
}

Test(dvs_cli, bad_input_exit_2) {
  char path[512], h5[512], args[1200];
  dvs_event *e = make_evt2(path, sizeof path, 500, false);
  size_t len;
  char *raw = tu_read(path, &len);
  FILE *f = fopen(path, "wb");
  fwrite(raw, 1, len - 2, f); /* cut inside the last word */
  fclose(f);
  free(raw);
  char *out = NULL, *err = NULL, want[600];
  snprintf(args, sizeof args, "dvs info %s", path);
  cr_assert_eq(nmsim(args, &out, &err), 2, "truncated file: %s", err);
  snprintf(want, sizeof want, "%s: at byte %zu: truncated 4-byte word", path, len - 4);
  cr_assert(strstr(err, want), "stderr '%s' lacks '%s'", err, want);
  free(out), free(err);
  snprintf(h5, sizeof h5, "%s", tu_tmp("events", ".h5"));
  snprintf(args, sizeof args, "dvs convert %s -o %s", path, h5);
  cr_assert_eq(nmsim(args, &out, &err), 2, "%s", err);
  cr_assert(strstr(err, want), "stderr '%s'", err);
  FILE *left = fopen(h5, "rb");
  cr_assert(left == NULL, "a failed convert left %s", h5);
  free(out), free(err);
  const char *cases[][2] = {
      {"dvs info /nonexistent/rec.raw", "/nonexistent/rec.raw: No such file"},
      {"dvs info --format aedat4 PATH", "--format aedat4, but the file's header says evt2"},
      {"dvs info --format mpeg PATH", "unknown format 'mpeg'"},
      {"dvs info PATH --frobnicate", "unknown option --frobnicate"},
      {"dvs convert PATH", "convert needs -o"},
      /* the reason an output cannot be created (U7: none was given) */
      {"dvs convert PATH -o /nonexistent/dir/e.h5",
       "cannot create the HDF5 file (unable to open file: No such file or directory)"},
      {"dvs info", "expected a FILE"},
      {"dvs", "expected a command"},
      {"dvs play PATH", "unknown command"},
      {"dvs info PATH PATH", "unexpected argument"},
      {"dvs convert PATH -o /nonexistent/dir/x.h5", "cannot create the HDF5 file"},
  };
  for (size_t i = 0; i < NM_ARRAY_LEN(cases); i++) {
    char a[1200];
    const char *s = cases[i][0], *at;
    size_t k = 0;
    while ((at = strstr(s, "PATH"))) {
      k += (size_t)snprintf(a + k, sizeof a - k, "%.*s%s", (int)(at - s), s, path);
      s = at + 4;
    }
    snprintf(a + k, sizeof a - k, "%s", s);
    int rc = nmsim(a, &out, &err);
    cr_assert_eq(rc, 2, "'%s': exit %d (%s)", a, rc, err);
    cr_assert(strstr(err, cases[i][1]), "'%s': stderr '%s' lacks '%s'", a, err, cases[i][1]);
    free(out), free(err);
  }
  free(e);
  remove(path);
}

/* --format that disagrees with the format the file's header declares is
 * refused by info and convert (exit 2, naming both formats, no output left
 * behind) instead of decoding the bytes as garbage (--format nmnist on an EVT
 * 2.0 file printed a made-up recording); the format the header declares, and
 * any format for data without a header, are still accepted. */
Test(dvs_cli, format_disagreeing_with_header, .timeout = 60) {
  char path[512], bare[512], h5[512], args[1600], want[700];
  dvs_event *e = make_evt2(path, sizeof path, 400, false);
  snprintf(h5, sizeof h5, "%s", tu_tmp("named", ".h5"));
  const char *asked[] = {"nmnist", "evt3", "dat", "aedat2", "aedat4"};
  for (size_t i = 0; i < NM_ARRAY_LEN(asked); i++) {
    for (int conv = 0; conv < 2; conv++) {
      char *out = NULL, *err = NULL;
      if (conv) snprintf(args, sizeof args, "dvs convert %s --format %s -o %s", path, asked[i], h5);
      else snprintf(args, sizeof args, "dvs info --format=%s %s", asked[i], path);
      int rc = nmsim(args, &out, &err);
      snprintf(want, sizeof want, "nmsim dvs: %s: --format %s, but the file's header says evt2",
               path, asked[i]);
      cr_assert_eq(rc, 2, "'%s': exit %d (%s%s)", args, rc, out, err);
      cr_assert(strstr(err, want), "'%s': stderr '%s' lacks '%s'", args, err, want);
      FILE *left = fopen(h5, "rb");
      cr_assert(left == NULL, "'%s' left %s", args, h5);
      free(out), free(err);
    }
  }
  char *out = NULL, *err = NULL;
  snprintf(args, sizeof args, "dvs info --format evt2 %s --json", path);
  cr_assert_eq(nmsim(args, &out, &err), 0, "%s", err);
  cr_assert_eq(json_int(out, "events"), 400, "%s", out);
  free(out), free(err);
  /* no header: --format is how the file's format is known */
  snprintf(bare, sizeof bare, "%s", tu_tmp("bare", ".raw"));
  tg_buf b = {0};
  tg_evt2(&b, e, 400, false);
  cr_assert_eq(tg_write(&b, bare, false), 0);
  tg_free(&b);
  snprintf(args, sizeof args, "dvs info --format evt2 %s --json", bare);
  cr_assert_eq(nmsim(args, &out, &err), 0, "%s", err);
  cr_assert_eq(json_int(out, "events"), 400, "%s", out);
  free(out), free(err);
  snprintf(args, sizeof args, "dvs convert --format evt2 %s -o %s", bare, h5);
  cr_assert_eq(nmsim(args, &out, &err), 0, "%s", err);
  free(out), free(err);
  free(e);
  remove(path), remove(bare), remove(h5);
}

/* --help works for dvs, info and convert (exit 0, usage on stdout), and the
 * main usage lists the dvs command. */
Test(dvs_cli, help) {
  const char *args[] = {"dvs --help", "dvs info --help", "dvs convert --help", "dvs -h"};
  for (size_t i = 0; i < NM_ARRAY_LEN(args); i++) {
    char *out = NULL, *err = NULL;
    int rc = nmsim(args[i], &out, &err);
    cr_assert_eq(rc, 0, "'%s': exit %d", args[i], rc);
    cr_assert(strstr(out, "usage: nmsim dvs info FILE") && strstr(out, "convert FILE -o"),
              "'%s': %s", args[i], out);
    free(out), free(err);
  }
  char *out = NULL, *err = NULL;
  cr_assert_eq(nmsim("--help", &out, &err), 0);
  cr_assert(strstr(out, "dvs info|convert FILE"), "%s", out);
  free(out), free(err);
}
