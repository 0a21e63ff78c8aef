/* cli_dvs.c: `nmsim dvs info FILE [--json]` (format, resolution, event count,
 * time range, ON/OFF counts, rate) and `nmsim dvs convert FILE -o EVENTS.h5`
 * (the events as chunked, compressed HDF5 datasets t_us, x, y, p). */
#include "sim/cli/cli_dvs.h"
#include "sim/out/h5out.h"

#include <errno.h>
#include <hdf5.h>
#include <stdio.h>
#include <string.h>

#include "sim/dvs/dvs.h"

#define CONVERT_BATCH 65536 /* events per batch, and per HDF5 chunk */

static const char *usage_dvs =
    "usage: nmsim dvs info FILE [--json] [--format NAME]\n"
    "       nmsim dvs convert FILE -o EVENTS.h5 [--format NAME]\n"
    "\n"
    "Event-camera (DVS) recordings: AEDAT 2.0/3.1/4.0, N-MNIST/N-Caltech101\n"
    "binary, Prophesee EVT 2.0/EVT 3.0/DAT, each plain or gzip-compressed, and\n"
    "the HDF5 events that convert writes (read back as a recording).\n"
    "  info      print the format, resolution, event count, time range, duration,\n"
    "            ON/OFF counts and mean event rate\n"
    "  convert   write the events to HDF5: datasets t_us (int64), x, y (uint16),\n"
    "            p (uint8, 1 = ON), chunked and compressed; attributes width,\n"
    "            height, format\n"
    "  --format NAME   the file's format instead of detecting it from the header:\n"
    "                  aedat2, aedat3, aedat4, nmnist, evt2, evt3, dat, h5; a file\n"
    "                  whose header declares another format is refused\n"
    "  --json          (info) print one JSON object\n"
    "  -o, --output    (convert) the HDF5 file to write\n";

static int dvs_usage_error(const char *what, const char *arg) {
  fprintf(stderr, "nmsim dvs: %s%s%s\nTry 'nmsim dvs --help'.\n", what, arg ? " " : "",
          arg ? arg : "");
  return 2;
}

/* Why a write of the converted file failed: the OS reason (errno, cleared
 * before the write), else libhdf5's. */
static const char *convert_why(void) {
  static char why[400];
  if (errno) return strerror(errno);
  h5o_last_error(why, sizeof why);
  return why;
}

static int dvs_fail(nmsim_status rc, const nmsim_err *err) {
  fprintf(stderr, "nmsim dvs: %s\n", err->msg[0] ? err->msg : nmsim_strerror(rc));
  return rc == NMSIM_EFORMAT || rc == NMSIM_EIO || rc == NMSIM_EINPUT ? 2 : 1;
}

/* A --format the file's header contradicts: exit 2 naming both formats, before
 * any output is created. 0 if fmt is DVS_AUTO, agrees with the header, or the
 * file has no header that names a format (N-MNIST, RAW data without its '%'
 * lines: --format is then how the format is known). */
static int check_format(const char *file, dvs_format fmt) {
  if (fmt == DVS_AUTO) return 0;
  nmsim_err err = {0};
  dvs_format declared;
  nmsim_status rc = dvs_header_format(file, &declared, &err);
  if (rc) return dvs_fail(rc, &err);
  if (declared == DVS_AUTO || declared == fmt) return 0;
  fprintf(stderr, "nmsim dvs: %s: --format %s, but the file's header says %s (%s): leave "
          "--format out to read it as %s\n", file, dvs_format_name(fmt),
          dvs_format_name(declared), dvs_format_desc(declared), dvs_format_name(declared));
  return 2;
}

/* ---- info --------------------------------------------------------------------- */

static void json_str(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
    else if (c < 0x20) fprintf(f, "\\u%04x", c);
    else fputc(c, f);
  }
  fputc('"', f);
}

/* Resolution: the header's, else one past the largest coordinate seen. */
static const char *dvs_resolution(const dvs_info *in, const dvs_stats *st, uint32_t *w,
                                  uint32_t *h) {
  if (in->width && in->height) {
    *w = in->width, *h = in->height;
    return "header";
  }
  if (st->events) {
    *w = (uint32_t)st->x_max + 1, *h = (uint32_t)st->y_max + 1;
    return "events";
  }
  *w = *h = 0;
  return "unknown";
}

static void print_info(const char *file, const dvs_info *in, const dvs_stats *st, bool json) {
  uint32_t w, h;
  const char *from = dvs_resolution(in, st, &w, &h);
  int64_t dur = st->events ? st->t_last - st->t_first : 0;
  double rate = dur > 0 ? (double)st->events / ((double)dur * 1e-6) : 0.0;
  if (json) {
    printf("{\"file\": ");
    json_str(stdout, file);
    printf(", \"format\": \"%s\", \"compressed\": %s, \"sensor\": ", dvs_format_name(in->format),
           in->gzip ? "true" : "false");
    json_str(stdout, in->sensor);
    if (w) printf(", \"width\": %u, \"height\": %u", w, h);
    else printf(", \"width\": null, \"height\": null");
    printf(", \"resolution_from\": \"%s\", \"events\": %llu", from,
           (unsigned long long)st->events);
    if (st->events)
      printf(", \"t_first_us\": %lld, \"t_last_us\": %lld", (long long)st->t_first,
             (long long)st->t_last);
    else printf(", \"t_first_us\": null, \"t_last_us\": null");
    printf(", \"duration_us\": %lld, \"on\": %llu, \"off\": %llu, \"rate_hz\": %.17g}\n",
           (long long)dur, (unsigned long long)st->on, (unsigned long long)st->off, rate);
    return;
  }
  printf("file        %s\n", file);
  printf("format      %s (%s%s)\n", dvs_format_name(in->format), dvs_format_desc(in->format),
         in->gzip ? ", gzip-compressed" : "");
  if (in->sensor[0]) printf("sensor      %s\n", in->sensor);
  if (w) printf("resolution  %u x %u (from the %s)\n", w, h, from);
  else printf("resolution  unknown (the header does not state it and there are no events)\n");
  printf("events      %llu (ON %llu, OFF %llu)\n", (unsigned long long)st->events,
         (unsigned long long)st->on, (unsigned long long)st->off);
  if (st->events) {
    printf("time        %lld us .. %lld us\n", (long long)st->t_first, (long long)st->t_last);
    printf("duration    %lld us (%.6f s)\n", (long long)dur, (double)dur * 1e-6);
    printf("mean rate   %.6g events/s\n", rate);
  }
}

/* ---- convert -------------------------------------------------------------------- */

typedef struct h5_out {
  hid_t file, ds[4];
  uint64_t n;
} h5_out;

static const char *const h5_names[4] = {"t_us", "x", "y", "p"};

static hid_t h5_type(int k) {
  return k == 0 ? H5T_NATIVE_INT64 : k == 3 ? H5T_NATIVE_UINT8 : H5T_NATIVE_UINT16;
}

static int h5_create(h5_out *o, const char *path) {
  o->file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (o->file < 0) return -1;
  hsize_t dims[1] = {0}, maxd[1] = {H5S_UNLIMITED}, chunk[1] = {CONVERT_BATCH};
  hid_t sp = H5Screate_simple(1, dims, maxd), pl = H5Pcreate(H5P_DATASET_CREATE);
  int rc = sp < 0 || pl < 0 || H5Pset_chunk(pl, 1, chunk) < 0 || H5Pset_shuffle(pl) < 0 ||
                   H5Pset_deflate(pl, 4) < 0 ? -1 : 0;
  for (int k = 0; k < 4 && !rc; k++) {
    o->ds[k] = H5Dcreate2(o->file, h5_names[k], h5_type(k), sp, H5P_DEFAULT, pl, H5P_DEFAULT);
    if (o->ds[k] < 0) rc = -1;
  }
  if (pl >= 0) H5Pclose(pl);
  if (sp >= 0) H5Sclose(sp);
  return rc;
}

static int h5_append(h5_out *o, int k, const void *v, size_t n) {
  hsize_t size[1] = {o->n + n}, start[1] = {o->n}, count[1] = {n};
  if (H5Dset_extent(o->ds[k], size) < 0) return -1;
  hid_t fs = H5Dget_space(o->ds[k]), ms = H5Screate_simple(1, count, NULL);
  int rc = fs < 0 || ms < 0 ||
                   H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
                   H5Dwrite(o->ds[k], h5_type(k), ms, fs, H5P_DEFAULT, v) < 0
               ? -1
               : 0;
  if (ms >= 0) H5Sclose(ms);
  if (fs >= 0) H5Sclose(fs);
  return rc;
}

static int h5_attr(hid_t loc, const char *name, hid_t type, const void *v) {
  hid_t sp = H5Screate(H5S_SCALAR);
  hid_t a = sp < 0 ? -1 : H5Acreate2(loc, name, type, sp, H5P_DEFAULT, H5P_DEFAULT);
  int rc = a < 0 || H5Awrite(a, type, v) < 0 ? -1 : 0;
  if (a >= 0) H5Aclose(a);
  if (sp >= 0) H5Sclose(sp);
  return rc;
}

static int h5_attr_str(hid_t loc, const char *name, const char *v) {
  hid_t t = H5Tcopy(H5T_C_S1);
  if (t < 0) return -1;
  H5Tset_size(t, H5T_VARIABLE); /* variable length: h5py reads str */
  H5Tset_cset(t, H5T_CSET_UTF8);
  int rc = h5_attr(loc, name, t, &v);
  H5Tclose(t);
  return rc;
}

/* Close everything; < 0 when the file could not be written to the end. */
static herr_t h5_close(h5_out *o) {
  herr_t rc = 0;
  for (int k = 0; k < 4; k++)
    if (o->ds[k] >= 0 && H5Dclose(o->ds[k]) < 0) rc = -1;
  if (o->file >= 0 && (H5Fflush(o->file, H5F_SCOPE_GLOBAL) < 0 || H5Fclose(o->file) < 0)) rc = -1;
  return rc;
}

static int convert(const char *file, const char *out, dvs_format fmt) {
  nmsim_err err = {0};
  dvs_reader *r = NULL;
  nmsim_status st = dvs_open(file, fmt, &r, &err);
  if (st) return dvs_fail(st, &err);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  h5_out o = {.file = -1, .ds = {-1, -1, -1, -1}};
  dvs_event *ev = nm_malloc(CONVERT_BATCH * sizeof *ev);
  int64_t *t = nm_malloc(CONVERT_BATCH * sizeof *t);
  uint16_t *x = nm_malloc(CONVERT_BATCH * sizeof *x), *y = nm_malloc(CONVERT_BATCH * sizeof *y);
  uint8_t *p = nm_malloc(CONVERT_BATCH);
  dvs_stats s = {0};
  int code = 0;
  if (!ev || !t || !x || !y || !p) {
    st = NMSIM_ENOMEM_ERR(&err);
    code = dvs_fail(st, &err);
  } else if (h5_create(&o, out) < 0) {
    char why[400];
    h5o_last_error(why, sizeof why);
    fprintf(stderr, "nmsim dvs: %s: cannot create the HDF5 file (%s)\n", out, why);
    code = 2;
  }
  size_t n;
  while (!code && (st = dvs_read(r, ev, CONVERT_BATCH, &n, &err)) == NMSIM_OK && n > 0) {
    for (size_t i = 0; i < n; i++) {
      t[i] = ev[i].t_us, x[i] = ev[i].x, y[i] = ev[i].y, p[i] = ev[i].p;
      if (ev[i].x > s.x_max) s.x_max = ev[i].x;
      if (ev[i].y > s.y_max) s.y_max = ev[i].y;
      s.on += ev[i].p;
    }
    if (!s.events) s.t_first = t[0];
    s.t_last = t[n - 1];
    errno = 0;
    if (h5_append(&o, 0, t, n) < 0 || h5_append(&o, 1, x, n) < 0 ||
        h5_append(&o, 2, y, n) < 0 || h5_append(&o, 3, p, n) < 0) {
      fprintf(stderr, "nmsim dvs: %s: writing the events failed (%s)\n", out, convert_why());
      code = 1;
    }
    o.n += n;
    s.events += n;
  }
  if (!code && st) code = dvs_fail(st, &err);
  if (!code) {
    const dvs_info *in = dvs_reader_info(r);
    uint32_t w, h;
    s.off = s.events - s.on;
    const char *from = dvs_resolution(in, &s, &w, &h);
    uint64_t ev_n = s.events;
    errno = 0;
    if (h5_attr(o.file, "width", H5T_NATIVE_UINT32, &w) < 0 ||
        h5_attr(o.file, "height", H5T_NATIVE_UINT32, &h) < 0 ||
        h5_attr_str(o.file, "resolution_from", from) < 0 ||
        h5_attr_str(o.file, "format", dvs_format_name(in->format)) < 0 ||
        h5_attr_str(o.file, "sensor", in->sensor) < 0 ||
        h5_attr_str(o.file, "source_file", file) < 0 ||
        h5_attr_str(o.file, "nmsim_version", nmsim_version()) < 0 ||
        h5_attr(o.file, "events", H5T_NATIVE_UINT64, &ev_n) < 0 ||
        h5_attr(o.file, "on", H5T_NATIVE_UINT64, &s.on) < 0 ||
        h5_attr(o.file, "off", H5T_NATIVE_UINT64, &s.off) < 0 ||
        h5_attr_str(o.ds[0], "unit", "us") < 0 ||
        h5_attr_str(o.ds[3], "meaning", "1 = ON (brightness increase), 0 = OFF") < 0) {
      fprintf(stderr, "nmsim dvs: %s: writing the attributes failed (%s)\n", out,
              convert_why());
      code = 1;
    }
  }
  errno = 0;
  if (h5_close(&o) < 0 && !code) {
    fprintf(stderr, "nmsim dvs: %s: writing the file failed (%s)\n", out, convert_why());
    code = 1;
  }
  /* a partial output is not left behind as if it were whole */
  if (code && o.file >= 0) {
    h5o_note_write_failure();
    remove(out);
  }
  if (!code)
    printf("%s: %llu events -> %s\n", file, (unsigned long long)s.events, out);
  nm_free(ev), nm_free(t), nm_free(x), nm_free(y), nm_free(p);
  dvs_close(r);
  return code;
}

/* ---- dispatch -------------------------------------------------------------------- */

int cli_dvs(int argc, char **argv) {
  const char *cmd = argc > 1 ? argv[1] : NULL, *file = NULL, *out = NULL;
  bool json = false;
  dvs_format fmt = DVS_AUTO;
  if (!cmd) return dvs_usage_error("expected a command: info or convert", NULL);
  if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
    fputs(usage_dvs, stdout);
    return 0;
  }
  bool info = !strcmp(cmd, "info"), conv = !strcmp(cmd, "convert");
  if (!info && !conv) return dvs_usage_error("unknown command (expected info or convert):", cmd);
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      fputs(usage_dvs, stdout);
      return 0;
    } else if (info && !strcmp(a, "--json")) {
      json = true;
    } else if (!strcmp(a, "--format") || !strncmp(a, "--format=", 9)) {
      const char *v = a[8] == '=' ? a + 9 : (i + 1 < argc ? argv[++i] : NULL);
      if (!v) return dvs_usage_error("--format expects a NAME", NULL);
      if (!dvs_format_parse(v, &fmt)) {
        fprintf(stderr, "nmsim dvs: unknown format '%s' (expected %s)\n", v, dvs_format_names());
        return 2;
      }
    } else if (conv && (!strcmp(a, "-o") || !strcmp(a, "--output"))) {
      if (i + 1 >= argc) return dvs_usage_error(a, "expects a file name");
      out = argv[++i];
    } else if (a[0] == '-' && a[1]) {
      return dvs_usage_error("unknown option", a);
    } else if (file) {
      return dvs_usage_error("unexpected argument", a);
    } else {
      file = a;
    }
  }
  if (!file) return dvs_usage_error("expected a FILE", NULL);
  if (conv && !out) return dvs_usage_error("convert needs -o EVENTS.h5", NULL);
  int bad = check_format(file, fmt);
  if (bad) return bad;
  if (conv) return convert(file, out, fmt);
  nmsim_err err = {0};
  dvs_reader *r = NULL;
  dvs_stats st;
  nmsim_status rc = dvs_open(file, fmt, &r, &err);
  if (!rc) rc = dvs_scan(r, &st, &err);
  if (!rc) print_info(file, dvs_reader_info(r), &st, json);
  dvs_close(r);
  if (rc) return dvs_fail(rc, &err);
  return 0; /* a failed write to stdout: main says so and exits 1 */
}
