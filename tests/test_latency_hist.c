/* test_latency_hist.c: the packet-latency histogram (cores/machine.h): its
 * log-linear layout covers every latency with bounded relative error, the
 * report's p99 stays a quantile beyond the former 10 us range, and the run
 * file holds what a reader needs to find the report's p99 exactly, for every
 * bundled scenario. */
#include <criterion/criterion.h>
#include <glob.h>
#include <hdf5.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cores/machine.h"
#include "scn_run.h"
#include "tests_util.h"

/* Steps of each bundled scenario: enough for packets on every one. A
 * scenario that refuses them (its input lies beyond) runs its own steps. */
#define STEPS 20

/* Whether latency lat lies in bin b, compared in whole ps (an edge at or
 * above 2^64 ps holds every latency below it). */
static bool in_bin(nmsim_ps lat, uint32_t b) {
  double lo = sys_lat_edge_ps(b), hi = sys_lat_edge_ps(b + 1);
  return lat >= (nmsim_ps)lo && (hi >= 0x1p64 || lat < (nmsim_ps)hi);
}

static void expect_in_bin(nmsim_ps lat) {
  uint32_t b = sys_lat_bin(lat);
  cr_assert(b < SYS_LAT_BINS && in_bin(lat, b), "latency %llu ps: bin %u of %u, [%.17g, %.17g)",
            (unsigned long long)lat, b, SYS_LAT_BINS, sys_lat_edge_ps(b), sys_lat_edge_ps(b + 1));
}

Test(lat_hist, layout_covers_every_latency) {
  /* Invariant: every latency from 0 to 2^64 - 1 ps falls in a bin whose
   * edges hold it; bins are contiguous and increasing, multiples of 100 ps;
   * those below 12.8 ns are the former 100 ps bins, and from there up a bin
   * is at most 1/128 as wide as its lower edge (the relative error of an
   * upper edge taken as a latency). */
  cr_assert_eq(sys_lat_edge_ps(0), 0.0);
  for (uint32_t b = 0; b < SYS_LAT_BINS; b++) {
    double lo = sys_lat_edge_ps(b), hi = sys_lat_edge_ps(b + 1);
    cr_assert(hi > lo && hi - lo >= SYS_LAT_BIN_PS, "bin %u: [%.17g, %.17g)", b, lo, hi);
    cr_assert(lo / SYS_LAT_BIN_PS == (double)(uint64_t)(lo / SYS_LAT_BIN_PS),
              "bin %u: edge %.17g ps is not a multiple of 100 ps", b, lo);
    if (b < SYS_LAT_SUB)
      cr_assert(lo == (double)b * SYS_LAT_BIN_PS && hi - lo == SYS_LAT_BIN_PS,
                "bin %u: [%.17g, %.17g), expected the former 100 ps bin", b, lo, hi);
    else
      cr_assert((hi - lo) * SYS_LAT_SUB <= lo, "bin %u: width %.17g ps, lower edge %.17g ps", b,
                hi - lo, lo);
    if (lo < 0x1p64) /* the top 92 bins start beyond every nmsim_ps */
      cr_assert_eq(sys_lat_bin((nmsim_ps)lo), b, "the lower edge of bin %u is in bin %u", b,
                   sys_lat_bin((nmsim_ps)lo));
  }
  cr_assert(sys_lat_edge_ps(SYS_LAT_BINS) >= 0x1p64, "top edge %.17g ps is below 2^64",
            sys_lat_edge_ps(SYS_LAT_BINS));
  cr_assert(sys_lat_bin(UINT64_MAX) < SYS_LAT_BINS, "bin %u of the largest latency",
            sys_lat_bin(UINT64_MAX));
  for (int k = 0; k < 64; k++)
    for (int d = -1; d <= 1; d++) expect_in_bin((nmsim_ps)((1ull << k) + (uint64_t)(int64_t)d));
  uint64_t x = 88172645463325252ull; /* xorshift64: latencies of every length */
  for (int i = 0; i < 200000; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    expect_in_bin(x >> (x & 63));
  }
}

/* Attribute name of object obj of file f as a double (a uint64 converts as
 * C converts it). */
static double attr_f64(hid_t f, const char *obj, const char *name) {
  double v = -1;
  hid_t a = H5Aopen_by_name(f, obj, name, H5P_DEFAULT, H5P_DEFAULT);
  cr_assert(a >= 0, "no attribute %s of %s", name, obj);
  hid_t t = H5Aget_type(a);
  if (H5Tget_class(t) == H5T_INTEGER) {
    uint64_t u = 0;
    cr_assert(H5Aread(a, H5T_NATIVE_UINT64, &u) >= 0, "reading %s@%s", obj, name);
    v = (double)u;
  } else {
    cr_assert(H5Aread(a, H5T_NATIVE_DOUBLE, &v) >= 0, "reading %s@%s", obj, name);
  }
  H5Tclose(t);
  H5Aclose(a);
  return v;
}

/* What a reader of run file h5 finds of the packet latencies, with the HDF5
 * datasets alone: the p99 as the report defines it (upper edge of the bin
 * where the cumulative count reaches 99 %, capped at the largest latency),
 * the deliveries counted (a multicast packet's copies each count) and the
 * report's own p99 and packets (/summary). */
typedef struct file_p99 {
  double p99_ps, max_ps, summary_p99_ps;
  uint64_t counted, summary_packets;
} file_p99;

static file_p99 p99_from_file(const char *h5) {
  file_p99 r = {0};
  size_t n = 0, ne = 0;
  uint64_t *hist = sr_read(h5, "/packets/latency_hist", H5T_NATIVE_UINT64, &n);
  double *edges = sr_read(h5, "/packets/latency_edges_ps", H5T_NATIVE_DOUBLE, &ne);
  cr_assert(n > 0 && ne == n + 1, "%s: %zu bins, %zu edges", h5, n, ne);
  hid_t f = H5Fopen(h5, H5F_ACC_RDONLY, H5P_DEFAULT);
  cr_assert(f >= 0, "open %s", h5);
  r.max_ps = attr_f64(f, "/packets/latency_hist", "max_ps");
  r.summary_p99_ps = attr_f64(f, "/summary", "packet_p99_ps");
  r.summary_packets = (uint64_t)attr_f64(f, "/summary", "packets");
  H5Fclose(f);
  for (size_t b = 0; b < n; b++) r.counted += hist[b];
  uint64_t need = (r.counted * 99 + 99) / 100, cum = 0;
  r.p99_ps = r.max_ps;
  for (size_t b = 0; b < n && r.counted; b++) {
    cum += hist[b];
    if (cum >= need) {
      r.p99_ps = edges[b + 1] < r.max_ps ? edges[b + 1] : r.max_ps;
      break;
    }
  }
  free(hist);
  free(edges);
  return r;
}

/* latency_ns.packet.p99 of `nmsim report h5 --json`, in ns. */
static double report_p99_ns(const char *h5) {
  char cmd[1024], *out = NULL, *err = NULL;
  snprintf(cmd, sizeof cmd, "%s report %s --json", NMSIM_BINARY, h5);
  int rc = tu_run(cmd, &out, &err);
  cr_assert(rc == 0 && out, "report %s: exit %d, stderr %s", h5, rc, err ? err : "");
  const char *p = strstr(out, "\"latency_ns\"");
  p = p ? strstr(p, "\"packet\"") : NULL;
  p = p ? strstr(p, "\"p99\"") : NULL;
  p = p ? strchr(p, ':') : NULL;
  cr_assert(p != NULL, "report %s --json has no latency_ns.packet.p99:\n%s", h5, out);
  double v = strtod(p + 1, NULL);
  free(out);
  free(err);
  return v;
}

Test(lat_hist, p99_of_every_bundled_scenario_from_its_run_file) {
  /* Invariant: for every scenario in scenarios/ (timed mode, STEPS steps),
   * the p99 computed from the run file's histogram, edges and max_ps equals
   * the report's packet p99 exactly (/summary and `nmsim report --json`),
   * and the histogram counts deliveries when there were packets. */
  glob_t g;
  cr_assert_eq(glob(NMSIM_SOURCE_DIR "/scenarios/*.yaml", 0, NULL, &g), 0, "no scenarios");
  size_t checked = 0, with_packets = 0;
  for (size_t i = 0; i < g.gl_pathc; i++) {
    const char *scn = g.gl_pathv[i];
    char h5[512], cmd[2048], *err = NULL;
    snprintf(h5, sizeof h5, "%s", tu_tmp("lathist", ".h5"));
    snprintf(cmd, sizeof cmd, "%s run %s -o %s --set steps=%d --set engine.mode=timed --quiet",
             NMSIM_BINARY, scn, h5, STEPS);
    int rc = tu_run(cmd, NULL, &err);
    if (rc == 2) {
      err[strcspn(err, "\n")] = 0;
      cr_log_info("%s refuses %d steps (%s): runs its own", scn, STEPS, err);
      free(err);
      snprintf(cmd, sizeof cmd, "%s run %s -o %s --set engine.mode=timed --quiet", NMSIM_BINARY,
               scn, h5);
      rc = tu_run(cmd, NULL, &err);
    }
    if (rc != 0 && access(NMSIM_SHARED_DIR "/data", F_OK) != 0) {
      cr_log_warn("%s skipped: it needs %s/data (exit %d: %s)", scn, NMSIM_SHARED_DIR, rc, err);
      free(err);
      continue;
    }
    cr_assert_eq(rc, 0, "%s: exit %d, stderr %s", scn, rc, err);
    free(err);
    file_p99 r = p99_from_file(h5);
    double json_ns = report_p99_ns(h5);
    cr_log_info("%s: %llu packets, p99 %.17g ps, max %.17g ps", scn,
                (unsigned long long)r.counted, r.p99_ps, r.max_ps);
    cr_assert_eq(r.counted > 0, r.summary_packets > 0, "%s: %llu deliveries, %llu packets", scn,
                 (unsigned long long)r.counted, (unsigned long long)r.summary_packets);
    cr_assert(r.p99_ps == r.summary_p99_ps, "%s: p99 from the histogram %.17g ps, report %.17g ps",
              scn, r.p99_ps, r.summary_p99_ps);
    cr_assert(json_ns == r.p99_ps / NMSIM_PS_PER_NS,
              "%s: p99 from the histogram %.17g ns, report --json %.17g ns", scn,
              r.p99_ps / NMSIM_PS_PER_NS, json_ns);
    remove(h5);
    checked++;
    with_packets += r.counted > 0;
  }
  globfree(&g);
  cr_assert(checked > 0 && with_packets > 0, "%zu scenarios checked, %zu with packets", checked,
            with_packets);
}

Test(lat_hist, p99_beyond_ten_us_is_a_quantile) {
  /* Invariant: when packets queue for tens of us, the report's p99 is still
   * the 99 % point of the histogram (an upper bin edge, < 0.8 % above it):
   * below the largest latency, as the slowest 1 % come one by one after it,
   * yet within 3 % of it. Before, every latency above 10 us overflowed and
   * the p99 was the largest latency. */
  nmsim_scenario *scn = NULL;
  nmsim_err err = {0};
  cr_assert_eq(nmsim_scenario_load_string("congested.yaml", tu_congested, NULL, 0, &scn, &err),
               NMSIM_OK, "%s", err.msg);
  char h5[512];
  snprintf(h5, sizeof h5, "%s", tu_tmp("congested", ".h5"));
  run_opts o = {.h5_path = h5};
  run_summary sum = {0};
  cr_assert_eq(run_scenario(scn, &o, &sum, &err), NMSIM_OK, "%s", err.msg);
  file_p99 r = p99_from_file(h5);
  cr_assert(r.counted > 1000 && r.counted == sum.packets, "%llu packets counted, %llu delivered",
            (unsigned long long)r.counted, (unsigned long long)sum.packets);
  cr_assert(r.max_ps > 1e7, "largest latency %.17g ps, expected beyond 10 us", r.max_ps);
  cr_assert(sum.packet_p99_ps < r.max_ps && sum.packet_p99_ps > 0.97 * r.max_ps,
            "p99 %.17g ps, largest latency %.17g ps", sum.packet_p99_ps, r.max_ps);
  cr_assert(sum.packet_p99_ps == r.p99_ps, "p99 %.17g ps, from the run file %.17g ps",
            sum.packet_p99_ps, r.p99_ps);
  run_summary_clear(&sum);
  nmsim_scenario_destroy(scn);
  remove(h5);
}
