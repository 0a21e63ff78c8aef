/* nir.c: the NIR file reader (HDF5 C API): nodes and datasets of every nested
 * graph, edges with repairs, and shape inference along the edges. Layout and
 * semantics: ../shared/research/nir-format.md; user guide: docs/nir.md. */
#include <errno.h>
#include <hdf5.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sim/nir/nir.h"
#include "sim/base/guard.h"

static const char *const nir_kind_names[NIR_KIND_COUNT] = {
#define NIR_X_NAME(id, str) str,
    NIR_KIND_MAP(NIR_X_NAME)
#undef NIR_X_NAME
};

const char *nir_kind_name(nir_kind k) {
  return (unsigned)k < NIR_KIND_COUNT ? nir_kind_names[k] : "?";
}

bool nir_kind_is_neuron(nir_kind k) {
  return k == NIR_I || k == NIR_IF || k == NIR_LI || k == NIR_LIF || k == NIR_CUBALI ||
         k == NIR_CUBALIF || k == NIR_THRESHOLD;
}

const nir_param *nir_node_param(const nir_node *n, const char *name) {
  for (size_t i = 0; i < n->n_params; i++)
    if (strcmp(n->params[i].name, name) == 0) return &n->params[i];
  return NULL;
}

uint64_t nir_shape_count(const nir_shape *s) {
  uint64_t c = 1;
  for (uint32_t i = 0; i < s->nd; i++) c *= s->d[i];
  return c;
}

char *nir_shape_str(const nir_shape *s, char *buf, size_t len) {
  size_t k = (size_t)snprintf(buf, len, "[");
  for (uint32_t i = 0; i < s->nd && k < len; i++)
    k += (size_t)snprintf(buf + k, len - k, "%s%llu", i ? ", " : "", (unsigned long long)s->d[i]);
  if (k < len) snprintf(buf + k, len - k, "]");
  return buf;
}

static bool shape_eq(const nir_shape *a, const nir_shape *b) {
  if (a->nd != b->nd) return false;
  for (uint32_t i = 0; i < a->nd; i++)
    if (a->d[i] != b->d[i]) return false;
  return true;
}

/* ---- reading context ------------------------------------------------------------ */

/* How deep graphs may nest: far beyond any exported network (they nest a
 * level or two), and a bound on the reader's recursion. */
#define NIR_MAX_DEPTH 32

/* Where an HDF5 object lives in its file: two groups are the same object
 * (a hard or soft link back to an enclosing graph) when these are equal. */
typedef struct rd_obj {
  unsigned long fileno;
#if H5_VERSION_GE(1, 12, 0)
  H5O_token_t token;
#else
  haddr_t addr;
#endif
} rd_obj;

typedef struct rd {
  const char *path;
  nmsim_err *err;
  nir_graph *g;
  size_t cap_nodes, cap_edges, cap_eg, cap_warn;
  rd_obj open[NIR_MAX_DEPTH]; /* the graphs being read, outermost first */
  int depth;
} rd;

static bool rd_obj_of(hid_t id, rd_obj *o) {
  memset(o, 0, sizeof *o);
#if H5_VERSION_GE(1, 12, 0)
  H5O_info2_t oi;
  if (H5Oget_info3(id, &oi, H5O_INFO_BASIC) < 0) return false;
  o->token = oi.token;
#else
  H5O_info_t oi;
  if (H5Oget_info2(id, &oi, H5O_INFO_BASIC) < 0) return false;
  o->addr = oi.addr;
#endif
  o->fileno = oi.fileno;
  return true;
}

static bool rd_obj_same(const rd_obj *a, const rd_obj *b) {
#if H5_VERSION_GE(1, 12, 0)
  return a->fileno == b->fileno && memcmp(&a->token, &b->token, sizeof a->token) == 0;
#else
  return a->fileno == b->fileno && a->addr == b->addr;
#endif
}

static nmsim_status rd_warn(rd *r, const char *fmt, ...) NMSIM_PRINTF(2, 3);
static nmsim_status rd_warn(rd *r, const char *fmt, ...) {
  char msg[1024];
  int k = snprintf(msg, sizeof msg, "%s: ", r->path);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg + k, sizeof msg - (size_t)k, fmt, ap);
  va_end(ap);
  nir_graph *g = r->g;
  if (nm_grow((void **)&g->warnings, &r->cap_warn, g->n_warnings + 1, sizeof(char *)))
    return NMSIM_ENOMEM_ERR(r->err);
  if (!(g->warnings[g->n_warnings] = nm_strdup(msg))) return NMSIM_ENOMEM_ERR(r->err);
  g->n_warnings++;
  return NMSIM_OK;
}

/* Names of the links of group gid, in name order (nm_malloc'd). */
typedef struct names {
  char **v;
  size_t n, cap;
  bool oom;
} names;

static herr_t names_cb(hid_t g, const char *name, const H5L_info_t *info, void *op) {
  (void)g, (void)info;
  names *l = op;
  if (nm_grow((void **)&l->v, &l->cap, l->n + 1, sizeof(char *)) ||
      !(l->v[l->n] = nm_strdup(name))) {
    l->oom = true;
    return -1;
  }
  l->n++;
  return 0;
}

static void names_free(names *l) {
  for (size_t i = 0; i < l->n; i++) nm_free(l->v[i]);
  nm_free(l->v);
  *l = (names){0};
}

static nmsim_status rd_list(rd *r, hid_t gid, const char *what, names *out) {
  hsize_t idx = 0;
  *out = (names){0};
  if (H5Literate(gid, H5_INDEX_NAME, H5_ITER_INC, &idx, names_cb, out) < 0) {
    bool oom = out->oom;
    names_free(out);
    if (oom) return NMSIM_ENOMEM_ERR(r->err);
    return NMSIM_ERR(r->err, NMSIM_EFORMAT, "%s: %s: HDF5 cannot list the group", r->path, what);
  }
  return NMSIM_OK;
}

static nmsim_status rd_fits(rd *r, hid_t d, size_t n, double bytes_each, const char *what);

/* n strings of dataset d (variable- or fixed-length), nm_malloc'd. */
static nmsim_status rd_strings(rd *r, hid_t d, size_t n, const char *what, char ***out) {
  nmsim_status rc = NMSIM_OK;
  hid_t ft = H5Dget_type(d), mt = -1, sp = H5Dget_space(d);
  /* a variable-length string takes at least a byte of the dataset's storage
   * (its reference to the heap takes more) */
  size_t each = ft < 0 || H5Tis_variable_str(ft) > 0 ? 1 : H5Tget_size(ft);
  if ((rc = rd_fits(r, d, n, (double)each, what))) {
    if (ft >= 0) H5Tclose(ft);
    if (sp >= 0) H5Sclose(sp);
    return rc;
  }
  char **v = nm_calloc(n ? n : 1, sizeof(char *));
  char *fixed = NULL;
  if (!v) {
    rc = NMSIM_ENOMEM_ERR(r->err);
    goto done;
  }
  if (ft < 0 || sp < 0) goto bad;
  /* H5Dread writes every element of the dataset: it must hold exactly n */
  hssize_t have = H5Sget_simple_extent_npoints(sp);
  if (have < 0) goto bad;
  if ((uint64_t)have != n) {
    rc = NMSIM_ERR(r->err, NMSIM_EFORMAT, "%s: %s: expected %zu string%s, got %lld", r->path, what,
                   n, n == 1 ? "" : "s", (long long)have);
    goto done;
  }
  if (H5Tis_variable_str(ft) > 0) {
    char **raw = nm_calloc(n ? n : 1, sizeof(char *));
    if (!raw) {
      rc = NMSIM_ENOMEM_ERR(r->err);
      goto done;
    }
    mt = H5Tcopy(H5T_C_S1);
    if (mt < 0 || H5Tset_size(mt, H5T_VARIABLE) < 0 || H5Tset_cset(mt, H5Tget_cset(ft)) < 0 ||
        H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw) < 0) {
      if (mt >= 0) H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, raw); /* what was read before it failed */
      nm_free(raw);
      goto bad;
    }
    for (size_t i = 0; i < n && rc == NMSIM_OK; i++)
      if (!(v[i] = nm_strdup(raw[i] ? raw[i] : ""))) rc = NMSIM_ENOMEM_ERR(r->err);
    H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, raw);
    nm_free(raw);
  } else {
    size_t sz = H5Tget_size(ft);
    if (sz == 0 || sz > (1u << 20)) goto bad;
    mt = H5Tcopy(H5T_C_S1);
    fixed = nm_calloc(n ? n : 1, sz + 1);
    if (!fixed) {
      rc = NMSIM_ENOMEM_ERR(r->err);
      goto done;
    }
    if (mt < 0 || H5Tset_size(mt, sz + 1) < 0 || H5Tset_strpad(mt, H5T_STR_NULLTERM) < 0 ||
        H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, fixed) < 0)
      goto bad;
    for (size_t i = 0; i < n && rc == NMSIM_OK; i++) {
      fixed[i * (sz + 1) + sz] = 0;
      if (!(v[i] = nm_strdup(fixed + i * (sz + 1)))) rc = NMSIM_ENOMEM_ERR(r->err);
    }
  }
  goto done;
bad:
  rc = NMSIM_ERR(r->err, NMSIM_EFORMAT, "%s: %s: HDF5 cannot read the string dataset", r->path,
                 what);
done:
  nm_free(fixed);
  if (mt >= 0) H5Tclose(mt);
  if (ft >= 0) H5Tclose(ft);
  if (sp >= 0) H5Sclose(sp);
  if (rc != NMSIM_OK) {
    for (size_t i = 0; v && i < n; i++) nm_free(v[i]);
    nm_free(v);
    return rc;
  }
  *out = v;
  return NMSIM_OK;
}

static void free_strings(char **v, size_t n) {
  for (size_t i = 0; v && i < n; i++) nm_free(v[i]);
  nm_free(v);
}

/* Shape of dataset d. */
static nmsim_status rd_shape(rd *r, hid_t d, const char *what, nir_shape *s) {
  hid_t sp = H5Dget_space(d);
  int nd = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
  hsize_t dims[NIR_MAX_DIMS];
  if (nd < 0 || nd > NIR_MAX_DIMS || (nd > 0 && H5Sget_simple_extent_dims(sp, dims, NULL) < 0)) {
    if (sp >= 0) H5Sclose(sp);
    if (nd > NIR_MAX_DIMS)
      return NMSIM_ERR(r->err, NMSIM_EFORMAT, "%s: %s: %d dimensions; at most %d are supported",
                       r->path, what, nd, NIR_MAX_DIMS);
    return NMSIM_ERR(r->err, NMSIM_EFORMAT, "%s: %s: HDF5 cannot read its dataspace", r->path,
                     what);
  }
  H5Sclose(sp);
  s->nd = (uint32_t)nd;
  for (int i = 0; i < nd; i++) s->d[i] = dims[i];
  return NMSIM_OK;
}

/* The filters of dataset d: every one must be available; notes deflate. */
/* The filters of dataset d: *gzip if deflate is one; *ratio the largest
 * factor by which they can shrink the data (1: none that compress; 1032:
 * deflate's largest; 0: another compressing filter, no bound known). */
static nmsim_status rd_filters(rd *r, hid_t d, const char *what, bool *gzip, double *ratio) {
  hid_t pl = H5Dget_create_plist(d);
  int nf = pl >= 0 ? H5Pget_nfilters(pl) : 0;
  nmsim_status rc = NMSIM_OK;
  *gzip = false;
  *ratio = 1;
  for (int i = 0; i < nf && rc == NMSIM_OK; i++) {
    unsigned flags = 0, cd[8];
    size_t ncd = 8;
    char fname[64] = "";
    H5Z_filter_t id = H5Pget_filter2(pl, (unsigned)i, &flags, &ncd, cd, sizeof fname, fname, NULL);
    if (id == H5Z_FILTER_DEFLATE) *gzip = true;
    if (id == H5Z_FILTER_DEFLATE && *ratio > 0) *ratio = 1032;
    else if (id != H5Z_FILTER_SHUFFLE && id != H5Z_FILTER_FLETCHER32) *ratio = 0;
    if (id < 0 || H5Zfilter_avail(id) <= 0)
      rc = NMSIM_ERR(r->err, NMSIM_EFORMAT,
                     "%s: %s: compressed with HDF5 filter %d%s%s%s, which this libhdf5 cannot "
                     "decode (gzip works; lzf is an h5py-only filter: rewrite the file with "
                     "compression=\"gzip\")",
                     r->path, what, (int)id, fname[0] ? " (" : "", fname, fname[0] ? ")" : "");
  }
  if (pl >= 0) H5Pclose(pl);
  return rc;
}

/* Whether dataset d can hold the n values of bytes_each bytes it declares:
 * its storage, times ratio, the most its filters can shrink data
 * (rd_filters); a damaged file that declares more is refused before memory
 * is set aside for them. */
static nmsim_status rd_fits_ratio(rd *r, hid_t d, size_t n, double bytes_each, double ratio,
                                  const char *what) {
  double stored = (double)H5Dget_storage_size(d), need = (double)n * bytes_each;
  if (ratio > 0 && stored * ratio < need)
    return NMSIM_ERR(r->err, NMSIM_EFORMAT,
                     "%s: %s: declares %zu values (%.0f bytes) but the file stores %.0f bytes "
                     "of it%s: damaged or truncated",
                     r->path, what, n, need, stored,
                     ratio > 1 ? " (gzip shrinks at most 1032 times)" : "");
  return NMSIM_OK;
}

/* rd_fits_ratio, with the filters read here. */
static nmsim_status rd_fits(rd *r, hid_t d, size_t n, double bytes_each, const char *what) {
  bool gzip;
  double ratio;
  nmsim_status rc = rd_filters(r, d, what, &gzip, &ratio);
  if (rc) return rc;
  return rd_fits_ratio(r, d, n, bytes_each, ratio, what);
}

/* Dataset `name` of group gid into *p (numbers as double, or a string). */
static nmsim_status rd_param(rd *r, hid_t gid, const char *node, const char *name,
                             nir_param *p) {
  char what[600];
  snprintf(what, sizeof what, "node '%s': dataset '%s'", node, name);
  nmsim_status rc = NMSIM_OK;
  hid_t d = H5Dopen2(gid, name, H5P_DEFAULT), ft = -1;
  if (d < 0) return NMSIM_ERR(r->err, NMSIM_EFORMAT, "%s: %s: HDF5 cannot open it", r->path, what);
  if (!(p->name = nm_strdup(name))) {
    rc = NMSIM_ENOMEM_ERR(r->err);
    goto done;
  }
  if ((rc = rd_shape(r, d, what, &p->shape))) goto done;
  p->n = (size_t)nir_shape_count(&p->shape);
  if (nir_shape_count(&p->shape) > (UINT64_C(1) << 31)) {
    rc = NMSIM_ERR(r->err, NMSIM_EFORMAT, "%s: %s: %llu elements; at most 2^31 are supported",
                   r->path, what, (unsigned long long)nir_shape_count(&p->shape));
    goto done;
  }
  ft = H5Dget_type(d);
  H5T_class_t cls = ft >= 0 ? H5Tget_class(ft) : H5T_NO_CLASS;
  size_t sz = ft >= 0 ? H5Tget_size(ft) : 0;
  if (cls == H5T_STRING) {
    char **s = NULL;
    snprintf(p->dtype, sizeof p->dtype, "str");
    if ((rc = rd_strings(r, d, p->n, what, &s))) goto done;
    p->str = p->n ? s[0] : NULL;
    for (size_t i = 1; i < p->n; i++) nm_free(s[i]);
    if (!p->n) nm_free(s[0]);
    nm_free(s);
    if (!p->str && !(p->str = nm_strdup(""))) rc = NMSIM_ENOMEM_ERR(r->err);
    goto done;
  }
  if (cls != H5T_INTEGER && cls != H5T_FLOAT) {
    snprintf(p->dtype, sizeof p->dtype, "other");
    p->n = 0;  /* not a number nmsim uses (compound, reference...): kept by name only */
    goto done;
  }
  snprintf(p->dtype, sizeof p->dtype, "%s%zu",
           cls == H5T_FLOAT ? "f" : H5Tget_sign(ft) == H5T_SGN_NONE ? "u" : "i",
           sz * 8);
  double ratio;
  if ((rc = rd_filters(r, d, what, &p->gzip, &ratio))) goto done;
  if ((rc = rd_fits_ratio(r, d, p->n, (double)sz, ratio, what))) goto done;
  if (!(p->v = nm_malloc(sizeof(double) * (p->n ? p->n : 1)))) {
    rc = NMSIM_ENOMEM_ERR(r->err);
    goto done;
  }
  if (p->n && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, p->v) < 0) {
    rc = NMSIM_ERR(r->err, NMSIM_EFORMAT, "%s: %s: HDF5 cannot read it as numbers (%s)", r->path,
                   what, p->dtype);
    goto done;
  }
  for (size_t i = 0; i < p->n; i++)
    if (!isfinite(p->v[i])) {
      rc = NMSIM_ERR(r->err, NMSIM_EINPUT, "%s: %s: element %zu is %g; expected finite numbers",
                     r->path, what, i, p->v[i]);
      break;
    }
done:
  if (ft >= 0) H5Tclose(ft);
  H5Dclose(d);
  return rc;
}

static nmsim_status rd_add_node(rd *r, nir_node **out) {
  nir_graph *g = r->g;
  if (nm_grow((void **)&g->nodes, &r->cap_nodes, g->n_nodes + 1, sizeof(nir_node)))
    return NMSIM_ENOMEM_ERR(r->err);
  *out = &g->nodes[g->n_nodes++];
  **out = (nir_node){0};
  return NMSIM_OK;
}

/* Type string of the node group gid (dataset `type`). */
static nmsim_status rd_type(rd *r, hid_t gid, const char *node, char **out) {
  char what[600];
  snprintf(what, sizeof what, "node '%s': dataset 'type'", node[0] ? node : "(top level)");
  if (H5Lexists(gid, "type", H5P_DEFAULT) <= 0)
    return NMSIM_ERR(r->err, NMSIM_EFORMAT,
                     "%s: node '%s': no 'type' dataset (every NIR node names its type)", r->path,
                     node[0] ? node : "(top level)");
  hid_t d = H5Dopen2(gid, "type", H5P_DEFAULT);
  if (d < 0) return NMSIM_ERR(r->err, NMSIM_EFORMAT, "%s: %s: HDF5 cannot open it", r->path, what);
  hid_t ft = H5Dget_type(d);
  bool str = ft >= 0 && H5Tget_class(ft) == H5T_STRING;
  if (ft >= 0) H5Tclose(ft);
  char **s = NULL;
  nmsim_status rc = str ? rd_strings(r, d, 1, what, &s)
                        : NMSIM_ERR(r->err, NMSIM_EFORMAT, "%s: %s: expected a string", r->path,
                                    what);
  H5Dclose(d);
  if (rc) return rc;
  *out = s[0];
  nm_free(s);
  return NMSIM_OK;
}

/* HDF5 object kind of link name in gid: H5I_GROUP, H5I_DATASET or H5I_BADID. */
static H5I_type_t rd_kind(hid_t gid, const char *name) {
  hid_t o = H5Oopen(gid, name, H5P_DEFAULT);
  if (o < 0) return H5I_BADID;
  H5I_type_t t = H5Iget_type(o);
  H5Oclose(o);
  return t;
}

/* The datasets of a (non-graph) node group, and one level of sub-groups
 * (other than metadata) as "group.name". */
static nmsim_status rd_node_params(rd *r, hid_t gid, size_t ni, const char *prefix) {
  names l;
  nmsim_status rc = rd_list(r, gid, r->g->nodes[ni].name, &l);
  if (rc) return rc;
  size_t cap = r->g->nodes[ni].n_params;
  for (size_t i = 0; i < l.n && rc == NMSIM_OK; i++) {
    const char *nm = l.v[i];
    if (!prefix[0] && strcmp(nm, "type") == 0) continue;
    H5I_type_t t = rd_kind(gid, nm);
    if (t == H5I_GROUP) {
      if (prefix[0] || strcmp(nm, "metadata") == 0) continue;
      hid_t sg = H5Gopen2(gid, nm, H5P_DEFAULT);
      if (sg < 0) continue;
      rc = rd_node_params(r, sg, ni, nm);
      H5Gclose(sg);
      cap = r->g->nodes[ni].n_params;
      continue;
    }
    if (t != H5I_DATASET) continue;
    nir_node *n = &r->g->nodes[ni];
    if (nm_grow((void **)&n->params, &cap, n->n_params + 1, sizeof(nir_param))) {
      rc = NMSIM_ENOMEM_ERR(r->err);
      break;
    }
    nir_param *p = &n->params[n->n_params++];
    *p = (nir_param){0};
    rc = rd_param(r, gid, n->name, nm, p);
    if (rc == NMSIM_OK && prefix[0]) {
      size_t len = strlen(prefix) + strlen(nm) + 2;
      char *full = nm_malloc(len);
      if (!full) rc = NMSIM_ENOMEM_ERR(r->err);
      else {
        snprintf(full, len, "%s.%s", prefix, nm);
        nm_free(p->name);
        p->name = full;
      }
    }
  }
  names_free(&l);
  return rc;
}

static char *join(const char *a, const char *b) {
  size_t len = strlen(a) + strlen(b) + 2;
  char *s = nm_malloc(len);
  if (s) snprintf(s, len, "%s%s%s", a, a[0] ? "." : "", b);
  return s;
}

/* The node of graph gi (-1: top) named `name` as an edge of that graph names
 * it: a child of the graph, or "child.rest" inside a nested child graph.
 * Returns the index or -1. */
static long rd_resolve(const nir_graph *g, int32_t gi, const char *prefix, const char *name) {
  size_t pl = strlen(prefix), nl = strlen(name);
  for (size_t i = 0; i < g->n_nodes; i++) {
    const char *full = g->nodes[i].name;
    if (g->nodes[i].parent != gi) continue;
    if (strncmp(full, prefix, pl) == 0 && (pl == 0 || full[pl] == '.') &&
        strcmp(full + pl + (pl ? 1 : 0), name) == 0)
      return (long)i;
  }
  /* "graph.child": the name of a node of a nested graph, relative to this one */
  for (size_t i = 0; i < g->n_nodes; i++) {
    const nir_node *n = &g->nodes[i];
    if (n->parent != gi || n->kind != NIR_GRAPH) continue;
    const char *local = n->name + pl + (pl ? 1 : 0);
    size_t ll = strlen(local);
    if (nl > ll + 1 && strncmp(name, local, ll) == 0 && name[ll] == '.') {
      long k = rd_resolve(g, (int32_t)i, n->name, name + ll + 1);
      if (k >= 0) return k;
    }
  }
  return -1;
}

static nmsim_status rd_graph(rd *r, hid_t gid, const char *prefix, int32_t gi);
static nmsim_status rd_graph_in(rd *r, hid_t gid, const char *prefix, int32_t gi);

/* Edges of graph gi (dataset `edges`: (E, 2) strings; empty or absent: none),
 * with the repair of dangling names. */
static nmsim_status rd_edges(rd *r, hid_t gid, const char *prefix, int32_t gi) {
  nir_graph *g = r->g;
  const char *gname = prefix[0] ? prefix : "(top level)";
  char what[600];
  snprintf(what, sizeof what, "graph '%s': dataset 'edges'", gname);
  if (H5Lexists(gid, "edges", H5P_DEFAULT) <= 0) return NMSIM_OK;
  hid_t d = H5Dopen2(gid, "edges", H5P_DEFAULT);
  if (d < 0) return NMSIM_ERR(r->err, NMSIM_EFORMAT, "%s: %s: HDF5 cannot open it", r->path, what);
  nir_shape s;
  nmsim_status rc = rd_shape(r, d, what, &s);
  hid_t ft = H5Dget_type(d);
  bool str = ft >= 0 && H5Tget_class(ft) == H5T_STRING;
  if (ft >= 0) H5Tclose(ft);
  uint64_t cnt = nir_shape_count(&s);
  char **v = NULL;
  if (rc == NMSIM_OK && cnt > 0 && s.nd >= 1 && !str)
    rc = NMSIM_ERR(r->err, NMSIM_EFORMAT, "%s: %s: expected strings (source, target)", r->path,
                   what);
  if (rc == NMSIM_OK && s.nd == 0)
    rc = NMSIM_ERR(r->err, NMSIM_EFORMAT, "%s: %s: expected shape (E, 2), got a scalar", r->path,
                   what);
  if (rc == NMSIM_OK && cnt == 0) {
    H5Dclose(d);
    return NMSIM_OK;  /* no edges (h5py writes an empty float array) */
  }
  if (rc == NMSIM_OK && (s.nd != 2 || s.d[1] != 2))
    rc = NMSIM_ERR(r->err, NMSIM_EFORMAT, "%s: %s: expected shape (E, 2), got %u dimensions",
                   r->path, what, s.nd);
  if (rc == NMSIM_OK) rc = rd_strings(r, d, (size_t)cnt, what, &v);
  H5Dclose(d);
  if (rc) return rc;
  size_t ne = (size_t)s.d[0];
  long *ix = nm_malloc(sizeof(long) * 2 * ne);
  bool *named = nm_calloc(g->n_nodes + 1, 1);
  if (!ix || !named) {
    rc = NMSIM_ENOMEM_ERR(r->err);
    goto done;
  }
  for (size_t i = 0; i < 2 * ne; i++) {
    ix[i] = rd_resolve(g, gi, prefix, v[i]);
    if (ix[i] >= 0) named[ix[i]] = true;
  }
  /* repair: a name that is no node of the graph stands for the graph's one
   * node that starts with it and that no edge names (the paper's *_subgraph
   * files name 'lif' for the node 'lif1') */
  for (size_t i = 0; i < 2 * ne && rc == NMSIM_OK; i++) {
    if (ix[i] >= 0) continue;
    const char *bad = v[i];
    long cand = -1;
    int ncand = 0;
    size_t pl = strlen(prefix), bl = strlen(bad);
    for (size_t k = 0; k < g->n_nodes; k++) {
      if (g->nodes[k].parent != gi || named[k]) continue;
      const char *local = g->nodes[k].name + pl + (pl ? 1 : 0);
      if (strncmp(local, bad, bl) == 0) cand = (long)k, ncand++;
    }
    size_t uses = 0;
    for (size_t j = 0; j < 2 * ne; j++) uses += ix[j] < 0 && strcmp(v[j], bad) == 0;
    if (ncand != 1) {
      char list[512];
      size_t k = 0;
      list[0] = 0;
      for (size_t q = 0; q < g->n_nodes && k < sizeof list; q++)
        if (g->nodes[q].parent == gi)
          k += (size_t)snprintf(list + k, sizeof list - k, "%s'%s'", k ? ", " : "",
                                g->nodes[q].name + pl + (pl ? 1 : 0));
      rc = NMSIM_ERR(r->err, NMSIM_EINPUT,
                     "%s: graph '%s': edge '%s' -> '%s' names node '%s', which does not exist "
                     "(nodes of the graph: %s)",
                     r->path, gname, v[i & ~(size_t)1], v[i | 1], bad, list);
      break;
    }
    const char *local = g->nodes[cand].name + pl + (pl ? 1 : 0);
    rc = rd_warn(r, "graph '%s': dangling inner edges `%s` -> `%s` repaired: %zu edges name "
                    "node '%s', which does not exist; '%s' is the one node of the graph that "
                    "starts with it and that no edge names",
                 gname, bad, local, uses, bad, local);
    for (size_t j = 0; j < 2 * ne; j++)
      if (ix[j] < 0 && strcmp(v[j], bad) == 0) ix[j] = cand;
    named[cand] = true;
  }
  if (rc) goto done;
  if (nm_grow((void **)&g->edges, &r->cap_edges, g->n_edges + ne, sizeof(nir_edge)) ||
      nm_grow((void **)&g->edge_graph, &r->cap_eg, g->n_edges + ne, sizeof(int32_t))) {
    rc = NMSIM_ENOMEM_ERR(r->err);
    goto done;
  }
  for (size_t i = 0; i < ne; i++) {
    g->edges[g->n_edges] = (nir_edge){(uint32_t)ix[2 * i], (uint32_t)ix[2 * i + 1]};
    g->edge_graph[g->n_edges++] = gi;
  }
done:
  nm_free(ix);
  nm_free(named);
  free_strings(v, (size_t)cnt);
  return rc;
}

static nir_kind kind_of(const char *type) {
  for (int k = 0; k < NIR_KIND_COUNT; k++)
    if (strcmp(nir_kind_names[k], type) == 0) return (nir_kind)k;
  return NIR_KIND_COUNT;
}

/* The children of graph group gid (its `nodes` group) and its edges. */
static nmsim_status rd_graph(rd *r, hid_t gid, const char *prefix, int32_t gi) {
  const char *gname = prefix[0] ? prefix : "(top level)";
  rd_obj me;
  if (!rd_obj_of(gid, &me))
    return NMSIM_ERR(r->err, NMSIM_EFORMAT, "%s: graph '%s': HDF5 cannot tell what it is",
                     r->path, gname);
  for (int k = 0; k < r->depth; k++)
    if (rd_obj_same(&r->open[k], &me))
      return NMSIM_ERR(r->err, NMSIM_EFORMAT, "%s: graph '%s' is nested in itself (a link back "
                       "to an enclosing graph)", r->path, gname);
  if (r->depth == NIR_MAX_DEPTH)
    return NMSIM_ERR(r->err, NMSIM_EINPUT, "%s: graph '%s': graphs nested more than %d deep",
                     r->path, gname, NIR_MAX_DEPTH);
  r->open[r->depth++] = me;
  nmsim_status grc = rd_graph_in(r, gid, prefix, gi);
  r->depth--;
  return grc;
}

/* rd_graph once the graph is known not to enclose itself. */
static nmsim_status rd_graph_in(rd *r, hid_t gid, const char *prefix, int32_t gi) {
  const char *gname = prefix[0] ? prefix : "(top level)";
  if (H5Lexists(gid, "nodes", H5P_DEFAULT) <= 0 || rd_kind(gid, "nodes") != H5I_GROUP)
    return NMSIM_ERR(r->err, NMSIM_EFORMAT, "%s: graph '%s': no group 'nodes' (a NIRGraph keeps "
                     "its nodes there)", r->path, gname);
  hid_t ng = H5Gopen2(gid, "nodes", H5P_DEFAULT);
  if (ng < 0)
    return NMSIM_ERR(r->err, NMSIM_EFORMAT, "%s: graph '%s': HDF5 cannot open 'nodes'", r->path,
                     gname);
  names l;
  nmsim_status rc = rd_list(r, ng, gname, &l);
  for (size_t i = 0; i < l.n && rc == NMSIM_OK; i++) {
    char *full = join(prefix, l.v[i]);
    if (!full) {
      rc = NMSIM_ENOMEM_ERR(r->err);
      break;
    }
    if (rd_kind(ng, l.v[i]) != H5I_GROUP) {
      rc = NMSIM_ERR(r->err, NMSIM_EFORMAT, "%s: node '%s': expected a group, got a %s", r->path,
                     full, rd_kind(ng, l.v[i]) == H5I_DATASET ? "dataset" : "link of another kind");
      nm_free(full);
      break;
    }
    for (size_t k = 0; k < r->g->n_nodes && rc == NMSIM_OK; k++)
      if (strcmp(r->g->nodes[k].name, full) == 0)
        rc = NMSIM_ERR(r->err, NMSIM_EINPUT, "%s: node '%s' of graph '%s' has the same full name "
                       "as another node; nmsim names nested nodes 'graph.node'",
                       r->path, full, gname);
    nir_node *n = NULL;
    if (rc || (rc = rd_add_node(r, &n))) {
      nm_free(full);
      break;
    }
    n->name = full;
    n->parent = gi;
    size_t ni = r->g->n_nodes - 1;
    hid_t cg = H5Gopen2(ng, l.v[i], H5P_DEFAULT);
    if (cg < 0) {
      rc = NMSIM_ERR(r->err, NMSIM_EFORMAT, "%s: node '%s': HDF5 cannot open it", r->path, full);
      break;
    }
    char *type = NULL;
    rc = rd_type(r, cg, full, &type);
    if (rc == NMSIM_OK) {
      n = &r->g->nodes[ni];
      n->type = type;
      n->kind = kind_of(type);
      if (n->kind == NIR_KIND_COUNT) {
        char list[512];
        size_t k = 0;
        for (int q = 0; q < NIR_KIND_COUNT && k < sizeof list; q++)
          k += (size_t)snprintf(list + k, sizeof list - k, "%s%s", q ? ", " : "",
                                nir_kind_names[q]);
        rc = NMSIM_ERR(r->err, NMSIM_EINPUT,
                       "%s: node '%s': unsupported node type '%s' (nmsim reads %s)", r->path,
                       full, type, list);
      } else if (n->kind == NIR_GRAPH) {
        rc = rd_graph(r, cg, full, (int32_t)ni);
      } else {
        rc = rd_node_params(r, cg, ni, "");
      }
    }
    H5Gclose(cg);
  }
  size_t n_children = l.n, edges_before = r->g->n_edges;
  names_free(&l);
  H5Gclose(ng);
  if (rc == NMSIM_OK) rc = rd_edges(r, gid, prefix, gi);
  /* nodes that nothing connects run each on its own: say so */
  if (rc == NMSIM_OK && n_children > 1 && r->g->n_edges == edges_before)
    rc = rd_warn(r, "graph '%s': %zu nodes and no edges: no node feeds another", gname,
                 n_children);
  return rc;
}

/* ---- kinds, parameters and shapes ----------------------------------------------- */

/* The required datasets of each kind (the others default: v_reset 0, w_in 1,
 * bias 0, stride 1, padding 0, dilation 1, groups 1). */
static const char *const *required(nir_kind k) {
  static const char *const input[] = {"shape", NULL}, *const affine[] = {"weight", NULL},
                           *const scale[] = {"scale", NULL}, *const pool[] = {"kernel_size", NULL},
                           *const thr[] = {"threshold", NULL}, *const delay[] = {"delay", NULL},
                           *const i[] = {"r", NULL}, *const iff[] = {"r", "v_threshold", NULL},
                           *const li[] = {"tau", "r", "v_leak", NULL},
                           *const lif[] = {"tau", "r", "v_leak", "v_threshold", NULL},
                           *const culi[] = {"tau_syn", "tau_mem", "r", "v_leak", NULL},
                           *const culif[] = {"tau_syn", "tau_mem", "r", "v_leak", "v_threshold",
                                             NULL},
                           *const none[] = {NULL};
  switch (k) {
    case NIR_INPUT: return input;
    case NIR_AFFINE: case NIR_LINEAR: case NIR_CONV1D: case NIR_CONV2D: return affine;
    case NIR_SCALE: return scale;
    case NIR_SUMPOOL2D: case NIR_AVGPOOL2D: return pool;
    case NIR_THRESHOLD: return thr;
    case NIR_DELAY: return delay;
    case NIR_I: return i;
    case NIR_IF: return iff;
    case NIR_LI: return li;
    case NIR_LIF: return lif;
    case NIR_CUBALI: return culi;
    case NIR_CUBALIF: return culif;
    default: return none;
  }
}

/* Parameters of a neuron kind that must have the population's shape (or one
 * element). */
static const char *const *neuron_params(nir_kind k) {
  static const char *const thr[] = {"threshold", NULL}, *const i[] = {"r", NULL},
                           *const iff[] = {"r", "v_threshold", "v_reset", NULL},
                           *const li[] = {"tau", "r", "v_leak", NULL},
                           *const lif[] = {"tau", "r", "v_leak", "v_threshold", "v_reset", NULL},
                           *const culi[] = {"tau_syn", "tau_mem", "r", "v_leak", "w_in", NULL},
                           *const culif[] = {"tau_syn", "tau_mem", "r",       "v_leak",
                                             "v_threshold", "w_in", "v_reset", NULL},
                           *const none[] = {NULL};
  switch (k) {
    case NIR_THRESHOLD: return thr;
    case NIR_I: return i;
    case NIR_IF: return iff;
    case NIR_LI: return li;
    case NIR_LIF: return lif;
    case NIR_CUBALI: return culi;
    case NIR_CUBALIF: return culif;
    default: return none;
  }
}

static nmsim_status node_err(rd *r, const nir_node *n, const char *fmt, ...) NMSIM_PRINTF(3, 4);
static nmsim_status node_err(rd *r, const nir_node *n, const char *fmt, ...) {
  char msg[900];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return NMSIM_ERR(r->err, NMSIM_EINPUT, "%s: node '%s' (%s): %s", r->path, n->name, n->type, msg);
}

/* Integer value i of parameter p (whole number within range), or false. */
static bool p_int(const nir_param *p, size_t i, int64_t lo, int64_t hi, int64_t *out) {
  if (!p || !p->v || i >= p->n) return false;
  double x = p->v[i];
  if (x != floor(x) || x < (double)lo || x > (double)hi) return false;
  *out = (int64_t)x;
  return true;
}

/* A list of `want` integers from param name of n: absent -> def; a scalar or
 * one element is repeated. */
static nmsim_status p_ints(rd *r, const nir_node *n, const char *name, int want, int64_t def,
                           int64_t lo, int64_t hi, int64_t *out) {
  const nir_param *p = nir_node_param(n, name);
  for (int i = 0; i < want; i++) out[i] = def;
  if (!p) return NMSIM_OK;
  if (p->str)
    return node_err(r, n, "%s: expected %d whole numbers, got the string '%s'", name, want,
                    p->str);
  if (p->n != 1 && p->n != (size_t)want)
    return node_err(r, n, "%s: expected %d whole numbers, got %zu", name, want, p->n);
  for (int i = 0; i < want; i++)
    if (!p_int(p, p->n == 1 ? 0 : (size_t)i, lo, hi, &out[i]))
      return node_err(r, n, "%s: expected whole numbers in [%lld, %lld], got %g", name,
                      (long long)lo, (long long)hi, p->v[p->n == 1 ? 0 : i]);
  return NMSIM_OK;
}

/* The shape stored in an int vector parameter (Input.shape, Flatten.input_type,
 * Conv input_shape). */
static nmsim_status p_shape(rd *r, const nir_node *n, const nir_param *p, nir_shape *s) {
  if (p->str || !p->v || p->n > NIR_MAX_DIMS)
    return node_err(r, n, "%s: expected a shape (a list of at most %d sizes)", p->name,
                    NIR_MAX_DIMS);
  s->nd = (uint32_t)p->n;
  for (size_t i = 0; i < p->n; i++) {
    int64_t v;
    if (!p_int(p, i, 1, INT64_C(1) << 31, &v))
      return node_err(r, n, "%s: expected whole sizes in [1, 2147483648], got %.17g", p->name,
                      p->v[i]);
    s->d[i] = (uint64_t)v;
  }
  return NMSIM_OK;
}

/* Output size of a convolution or pooling axis. */
static bool conv_out(uint64_t in, int64_t k, int64_t s, int64_t p, int64_t d, uint64_t *out) {
  int64_t span = d * (k - 1) + 1, padded = (int64_t)in + 2 * p;
  if (padded < span || s < 1) return false;
  *out = (uint64_t)((padded - span) / s + 1);
  return true;
}

/* Conv padding: ints, or "same" (stride 1, odd total) / "valid". */
static nmsim_status conv_padding(rd *r, const nir_node *n, int nsp, const int64_t *k,
                                 const int64_t *st, const int64_t *dil, int64_t *pad) {
  const nir_param *p = nir_node_param(n, "padding");
  if (p && p->str) {
    for (int i = 0; i < nsp; i++) {
      if (strcmp(p->str, "valid") == 0) {
        pad[i] = 0;
      } else if (strcmp(p->str, "same") == 0) {
        int64_t total = dil[i] * (k[i] - 1);
        if (st[i] != 1 || total % 2)
          return node_err(r, n, "padding 'same' with stride %lld and kernel %lld pads "
                          "asymmetrically; nmsim supports symmetric padding only",
                          (long long)st[i], (long long)k[i]);
        pad[i] = total / 2;
      } else {
        return node_err(r, n, "padding: expected numbers, 'same' or 'valid', got '%s'", p->str);
      }
    }
    return NMSIM_OK;
  }
  return p_ints(r, n, "padding", nsp, 0, 0, 1 << 20, pad);
}

/* Shape of a node from its own datasets; *deferred if it needs its input. */
static nmsim_status own_shape(rd *r, nir_node *n, bool *deferred) {
  *deferred = false;
  const char *const *req = required(n->kind);
  for (size_t i = 0; req[i]; i++) {
    const nir_param *p = nir_node_param(n, req[i]);
    if (!p)
      return node_err(r, n, "missing dataset '%s' (required for %s)", req[i], n->type);
    if (!p->v)
      return node_err(r, n, "dataset '%s': expected numbers, got %s", req[i],
                      p->str ? "a string" : "another type");
  }
  char a[96], b[96];
  switch (n->kind) {
    case NIR_INPUT:
    case NIR_OUTPUT: {
      const nir_param *p = nir_node_param(n, "shape");
      if (!p) {
        *deferred = true;  /* Outputs of nir < 0.2 have no shape */
        return NMSIM_OK;
      }
      nmsim_status rc = p_shape(r, n, p, &n->in);
      n->out = n->in;
      n->known = rc == NMSIM_OK;
      return rc;
    }
    case NIR_AFFINE:
    case NIR_LINEAR: {
      const nir_param *w = nir_node_param(n, "weight");
      if (w->shape.nd < 2)
        return node_err(r, n, "weight has shape %s; expected (out, in)",
                        nir_shape_str(&w->shape, a, sizeof a));
      for (uint32_t i = 0; i + 2 < w->shape.nd; i++)
        if (w->shape.d[i] != 1)
          return node_err(r, n, "weight has shape %s; leading (batch-like) axes other than 1 "
                          "are not supported", nir_shape_str(&w->shape, a, sizeof a));
      n->in = (nir_shape){1, {w->shape.d[w->shape.nd - 1]}};
      n->out = (nir_shape){1, {w->shape.d[w->shape.nd - 2]}};
      const nir_param *bias = nir_node_param(n, "bias");
      if (n->kind == NIR_AFFINE && bias && bias->v && bias->n != n->out.d[0] && bias->n != 1)
        return node_err(r, n, "bias has shape %s but weight %s has %llu outputs",
                        nir_shape_str(&bias->shape, a, sizeof a),
                        nir_shape_str(&w->shape, b, sizeof b), (unsigned long long)n->out.d[0]);
      n->known = true;
      return NMSIM_OK;
    }
    case NIR_SCALE:
    case NIR_DELAY:
      n->in = n->out = nir_node_param(n, n->kind == NIR_SCALE ? "scale" : "delay")->shape;
      n->known = true;
      return NMSIM_OK;
    case NIR_CONV1D:
    case NIR_CONV2D: {
      int nsp = n->kind == NIR_CONV2D ? 2 : 1;
      const nir_param *w = nir_node_param(n, "weight");
      if (w->shape.nd != (uint32_t)nsp + 2)
        return node_err(r, n, "weight has shape %s; expected (out channels, in channels / "
                        "groups, %s)", nir_shape_str(&w->shape, a, sizeof a),
                        nsp == 2 ? "kernel height, kernel width" : "kernel size");
      int64_t g;
      nmsim_status rc = p_ints(r, n, "groups", 1, 1, 1, 1 << 20, &g);
      if (rc) return rc;
      if (w->shape.d[0] % (uint64_t)g)
        return node_err(r, n, "%llu output channels are not divisible by groups %lld",
                        (unsigned long long)w->shape.d[0], (long long)g);
      const nir_param *bias = nir_node_param(n, "bias");
      if (bias && bias->v && bias->n != w->shape.d[0] && bias->n != 1)
        return node_err(r, n, "bias has %zu elements for %llu output channels", bias->n,
                        (unsigned long long)w->shape.d[0]);
      const nir_param *is = nir_node_param(n, "input_shape");
      if (!is || !is->v || is->n == 0) {
        *deferred = true;
        return NMSIM_OK;
      }
      nir_shape sp;
      if ((rc = p_shape(r, n, is, &sp))) return rc;
      if (sp.nd != (uint32_t)nsp)
        return node_err(r, n, "input_shape %s: expected %d spatial sizes",
                        nir_shape_str(&sp, a, sizeof a), nsp);
      n->in.nd = (uint32_t)nsp + 1;
      n->in.d[0] = w->shape.d[1] * (uint64_t)g;
      for (int i = 0; i < nsp; i++) n->in.d[1 + i] = sp.d[i];
      break;  /* out below */
    }
    case NIR_SUMPOOL2D:
    case NIR_AVGPOOL2D:
    case NIR_FLATTEN: {
      const nir_param *it = n->kind == NIR_FLATTEN ? nir_node_param(n, "input_type") : NULL;
      if (!it) it = n->kind == NIR_FLATTEN ? nir_node_param(n, "input_type.input") : NULL;
      if (!it || !it->v) {
        *deferred = true;
        return NMSIM_OK;
      }
      nmsim_status rc = p_shape(r, n, it, &n->in);
      if (rc) return rc;
      break;
    }
    case NIR_GRAPH:
      *deferred = true;
      return NMSIM_OK;
    default: {  /* neurons and Threshold: the shape of their largest parameter */
      const char *const *ps = neuron_params(n->kind);
      const nir_param *big = NULL;
      for (size_t i = 0; ps[i]; i++) {
        const nir_param *p = nir_node_param(n, ps[i]);
        if (p && !p->v)
          return node_err(r, n, "dataset '%s': expected numbers", ps[i]);
        if (p && (!big || p->n > big->n)) big = p;
      }
      for (size_t i = 0; ps[i]; i++) {
        const nir_param *p = nir_node_param(n, ps[i]);
        if (p && p->n != big->n && p->n != 1)
          return node_err(r, n, "parameter '%s' has shape %s but '%s' has %s; expected the "
                          "same number of elements (or one)", p->name,
                          nir_shape_str(&p->shape, a, sizeof a), big->name,
                          nir_shape_str(&big->shape, b, sizeof b));
      }
      n->in = n->out = big->shape;
      if (n->in.nd == 0) n->in = n->out = (nir_shape){1, {1}};
      n->known = true;
      return NMSIM_OK;
    }
  }
  return NMSIM_OK;
}

/* The output shape of a node whose input shape n->in is set. */
static nmsim_status out_shape(rd *r, nir_node *n) {
  char a[96], b[96];
  switch (n->kind) {
    case NIR_CONV1D:
    case NIR_CONV2D: {
      int nsp = n->kind == NIR_CONV2D ? 2 : 1;
      const nir_param *w = nir_node_param(n, "weight");
      if (n->in.nd != (uint32_t)nsp + 1)
        return node_err(r, n, "takes (channels, %s) but its input has shape %s",
                        nsp == 2 ? "height, width" : "length", nir_shape_str(&n->in, a, sizeof a));
      int64_t k[2], st[2], pad[2], dil[2], g = 1;
      for (int i = 0; i < nsp; i++) k[i] = (int64_t)w->shape.d[2 + i];
      nmsim_status rc;
      if ((rc = p_ints(r, n, "groups", 1, 1, 1, 1 << 20, &g))) return rc;
      if (n->in.d[0] != w->shape.d[1] * (uint64_t)g)
        return node_err(r, n, "takes %llu input channels (weight %s, groups %lld) but its input "
                        "has shape %s", (unsigned long long)(w->shape.d[1] * (uint64_t)g),
                        nir_shape_str(&w->shape, b, sizeof b), (long long)g,
                        nir_shape_str(&n->in, a, sizeof a));
      if ((rc = p_ints(r, n, "stride", nsp, 1, 1, 1 << 20, st)) ||
          (rc = p_ints(r, n, "dilation", nsp, 1, 1, 1 << 20, dil)) ||
          (rc = p_ints(r, n, "groups", 1, 1, 1, 1 << 20, &g)) ||
          (rc = conv_padding(r, n, nsp, k, st, dil, pad)))
        return rc;
      n->out.nd = (uint32_t)nsp + 1;
      n->out.d[0] = w->shape.d[0];
      for (int i = 0; i < nsp; i++)
        if (!conv_out(n->in.d[1 + i], k[i], st[i], pad[i], dil[i], &n->out.d[1 + i]))
          return node_err(r, n, "kernel %lld (dilation %lld) is larger than the padded input "
                          "%llu", (long long)k[i], (long long)dil[i],
                          (unsigned long long)(n->in.d[1 + i] + 2 * (uint64_t)pad[i]));
      return NMSIM_OK;
    }
    case NIR_SUMPOOL2D:
    case NIR_AVGPOOL2D: {
      if (n->in.nd != 3)
        return node_err(r, n, "takes (channels, height, width) but its input has shape %s",
                        nir_shape_str(&n->in, a, sizeof a));
      int64_t k[2], st[2], pad[2];
      nmsim_status rc;
      if ((rc = p_ints(r, n, "kernel_size", 2, 1, 1, 1 << 20, k))) return rc;
      if ((rc = p_ints(r, n, "stride", 2, 0, 1, 1 << 20, st))) return rc;
      if ((rc = p_ints(r, n, "padding", 2, 0, 0, 1 << 20, pad))) return rc;
      if (!nir_node_param(n, "stride")) st[0] = k[0], st[1] = k[1];
      n->out.nd = 3;
      n->out.d[0] = n->in.d[0];
      for (int i = 0; i < 2; i++)
        if (!conv_out(n->in.d[1 + i], k[i], st[i], pad[i], 1, &n->out.d[1 + i]))
          return node_err(r, n, "kernel %lld is larger than the padded input %llu",
                          (long long)k[i],
                          (unsigned long long)(n->in.d[1 + i] + 2 * (uint64_t)pad[i]));
      return NMSIM_OK;
    }
    case NIR_FLATTEN: {
      int64_t sd, ed, nd = n->in.nd;
      nmsim_status rc;
      if ((rc = p_ints(r, n, "start_dim", 1, 0, -64, 64, &sd)) ||
          (rc = p_ints(r, n, "end_dim", 1, -1, -64, 64, &ed)))
        return rc;
      if (sd < 0) sd += nd;
      if (ed < 0) ed += nd;
      if (nd == 0) sd = ed = 0;
      if (nd && (sd < 0 || ed >= nd || sd > ed))
        return node_err(r, n, "start_dim/end_dim select no axes of input %s",
                        nir_shape_str(&n->in, a, sizeof a));
      nir_shape o = {0};
      for (int64_t i = 0; i < sd; i++) o.d[o.nd++] = n->in.d[i];
      uint64_t prod = 1;
      for (int64_t i = sd; i <= ed && i < nd; i++) prod *= n->in.d[i];
      o.d[o.nd++] = prod;
      for (int64_t i = ed + 1; i < nd; i++) o.d[o.nd++] = n->in.d[i];
      n->out = o;
      return NMSIM_OK;
    }
    default:
      n->out = n->in;
      return NMSIM_OK;
  }
}

/* The Input (want_input) or Output child of nested graph gi; -1 with an error
 * if it has none or several. */
static long graph_port(rd *r, int32_t gi, bool want_input) {
  nir_graph *g = r->g;
  long found = -1;
  int count = 0;
  for (size_t i = 0; i < g->n_nodes; i++)
    if (g->nodes[i].parent == gi && g->nodes[i].kind == (want_input ? NIR_INPUT : NIR_OUTPUT))
      found = (long)i, count++;
  if (count != 1) {
    NMSIM_ERR(r->err, NMSIM_EINPUT, "%s: graph '%s': an edge %s it, but it has %d %s nodes "
              "(nmsim needs exactly one)", r->path, g->nodes[gi].name,
              want_input ? "enters" : "leaves", count, want_input ? "Input" : "Output");
    return -1;
  }
  return found;
}

/* Edges graph by graph: the top level first, then nested graphs in node
 * order, each in stored order (reading visits nested graphs first). */
static nmsim_status order_edges(rd *r) {
  nir_graph *g = r->g;
  if (!g->n_edges) return NMSIM_OK;
  nir_edge *e = nm_malloc(sizeof(nir_edge) * g->n_edges);
  int32_t *eg = nm_malloc(sizeof(int32_t) * g->n_edges);
  if (!e || !eg) {
    nm_free(e);
    nm_free(eg);
    return NMSIM_ENOMEM_ERR(r->err);
  }
  size_t k = 0;
  for (long gi = -1; gi < (long)g->n_nodes; gi++) {
    if (gi >= 0 && g->nodes[gi].kind != NIR_GRAPH) continue;
    for (size_t i = 0; i < g->n_edges; i++)
      if (g->edge_graph[i] == gi) e[k] = g->edges[i], eg[k++] = (int32_t)gi;
  }
  memcpy(g->edges, e, sizeof(nir_edge) * k);
  memcpy(g->edge_graph, eg, sizeof(int32_t) * k);
  nm_free(e);
  nm_free(eg);
  return NMSIM_OK;
}

/* Edges between non-graph nodes. */
static nmsim_status flatten_edges(rd *r) {
  nir_graph *g = r->g;
  if (!(g->flat = nm_malloc(sizeof(nir_edge) * (g->n_edges ? g->n_edges : 1))))
    return NMSIM_ENOMEM_ERR(r->err);
  for (size_t i = 0; i < g->n_edges; i++) {
    long s = g->edges[i].src, d = g->edges[i].dst;
    while (s >= 0 && g->nodes[s].kind == NIR_GRAPH) s = graph_port(r, (int32_t)s, false);
    while (d >= 0 && g->nodes[d].kind == NIR_GRAPH) d = graph_port(r, (int32_t)d, true);
    if (s < 0 || d < 0) return r->err ? r->err->code : NMSIM_EINPUT;
    g->flat[g->n_flat++] = (nir_edge){(uint32_t)s, (uint32_t)d};
  }
  return NMSIM_OK;
}

/* Shapes of every node: own datasets, then along the edges until nothing
 * changes; then every edge is checked. */
static nmsim_status infer_shapes(rd *r) {
  nir_graph *g = r->g;
  nmsim_status rc;
  bool *deferred = nm_calloc(g->n_nodes + 1, 1);
  if (!deferred) return NMSIM_ENOMEM_ERR(r->err);
  for (size_t i = 0; i < g->n_nodes; i++) {
    nir_node *n = &g->nodes[i];
    if ((rc = own_shape(r, n, &deferred[i]))) goto done;
    if (!deferred[i] && !n->known) {
      if ((rc = out_shape(r, n))) goto done;
      n->known = true;
    }
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t e = 0; e < g->n_flat; e++) {
      nir_node *s = &g->nodes[g->flat[e].src], *d = &g->nodes[g->flat[e].dst];
      if (!s->known || d->known || !deferred[g->flat[e].dst]) continue;
      d->in = s->out;
      if ((rc = out_shape(r, d))) goto done;
      d->known = changed = true;
    }
    for (size_t i = 0; i < g->n_nodes; i++) { /* a nested graph: its ports' shapes */
      nir_node *n = &g->nodes[i];
      if (n->kind != NIR_GRAPH || n->known) continue;
      long in = -1, out = -1;
      for (size_t k = 0; k < g->n_nodes; k++) {
        if (g->nodes[k].parent != (int32_t)i) continue;
        if (g->nodes[k].kind == NIR_INPUT) in = (long)k;
        if (g->nodes[k].kind == NIR_OUTPUT) out = (long)k;
      }
      if (in >= 0 && out >= 0 && g->nodes[in].known && g->nodes[out].known) {
        n->in = g->nodes[in].in;
        n->out = g->nodes[out].out;
        n->known = changed = true;
      }
    }
  }
  for (size_t i = 0; i < g->n_nodes; i++) {
    const nir_node *n = &g->nodes[i];
    if (n->known || n->kind == NIR_GRAPH) continue;
    rc = node_err(r, n, "its input shape cannot be inferred: %s",
                  n->kind == NIR_OUTPUT ? "it stores no shape and no edge of known shape enters it"
                                        : "no edge from a node of known shape enters it");
    goto done;
  }
  for (size_t e = 0; e < g->n_flat; e++) {
    const nir_node *s = &g->nodes[g->flat[e].src], *d = &g->nodes[g->flat[e].dst];
    char a[96], b[96];
    if (shape_eq(&s->out, &d->in)) continue;
    nir_shape_str(&s->out, a, sizeof a);
    nir_shape_str(&d->in, b, sizeof b);
    if (nir_shape_count(&s->out) == nir_shape_count(&d->in)) {
      if ((rc = rd_warn(r, "edge '%s' -> '%s': '%s' (%s) outputs %s and '%s' (%s) takes %s; "
                           "the same %llu elements, taken as a reshape (C order)",
                        s->name, d->name, s->name, s->type, a, d->name, d->type, b,
                        (unsigned long long)nir_shape_count(&s->out))))
        goto done;
      continue;
    }
    rc = NMSIM_ERR(r->err, NMSIM_EINPUT,
                   "%s: edge '%s' -> '%s': shape mismatch: node '%s' (%s) outputs %s (%llu "
                   "elements) but node '%s' (%s) takes %s (%llu elements)",
                   r->path, s->name, d->name, s->name, s->type, a,
                   (unsigned long long)nir_shape_count(&s->out), d->name, d->type, b,
                   (unsigned long long)nir_shape_count(&d->in));
    goto done;
  }
  rc = NMSIM_OK;
done:
  nm_free(deferred);
  return rc;
}

/* ---- entry points ------------------------------------------------------------------ */

typedef struct nir_guarded {
  const char *path;
  nir_graph **out;
} nir_guarded;

static nmsim_status nir_read_fn(void *ctx, nmsim_err *err) {
  nir_guarded *a = ctx;
  return nir_read_here(a->path, a->out, err);
}

nmsim_status nir_read(const char *path, nir_graph **out, nmsim_err *err) {
  if (!path || !out) return NMSIM_ERR(err, NMSIM_EINVAL, "nir_read: NULL argument");
  *out = NULL;
  nir_guarded a = {path, out};
  return nm_guarded_read(path, "the NIR graph", nir_read_fn, &a, err);
}

nmsim_status nir_read_here(const char *path, nir_graph **out, nmsim_err *err) {
  if (!path || !out) return NMSIM_ERR(err, NMSIM_EINVAL, "nir_read: NULL argument");
  *out = NULL;
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  FILE *f = fopen(path, "rb");
  if (!f) return NMSIM_ERR(err, NMSIM_EIO, "%s: %s", path, strerror(errno));
  unsigned char sig[8] = {0};
  size_t got = fread(sig, 1, sizeof sig, f);
  fclose(f);
  static const unsigned char hdf5_sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
  if (got < 8 || H5Fis_hdf5(path) <= 0)
    return NMSIM_ERR(err, NMSIM_EFORMAT, "%s: not an HDF5 file%s (a NIR file is HDF5: it starts "
                     "with \\x89HDF\\r\\n\\x1a\\n)", path,
                     got == 8 && memcmp(sig, hdf5_sig, 8) == 0 ? " that HDF5 can open" : "");
  hid_t fid = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (fid < 0)
    return NMSIM_ERR(err, NMSIM_EFORMAT, "%s: HDF5 cannot open the file (truncated or corrupt)",
                     path);
  nmsim_status rc = NMSIM_OK;
  nir_graph *g = nm_calloc(1, sizeof *g);
  rd r = {.path = path, .err = err, .g = g};
  hid_t root = -1;
  if (!g || !(g->path = nm_strdup(path))) {
    rc = NMSIM_ENOMEM_ERR(err);
    goto done;
  }
  /* version: optional (nir < 0.2 writes none), any string */
  if (H5Lexists(fid, "version", H5P_DEFAULT) > 0 && rd_kind(fid, "version") == H5I_DATASET) {
    hid_t d = H5Dopen2(fid, "version", H5P_DEFAULT);
    hid_t ft = d >= 0 ? H5Dget_type(d) : -1;
    char **s = NULL;
    if (ft >= 0 && H5Tget_class(ft) == H5T_STRING)
      rc = rd_strings(&r, d, 1, "dataset 'version'", &s);
    if (ft >= 0) H5Tclose(ft);
    if (d >= 0) H5Dclose(d);
    if (rc) goto done;
    if (s) g->version = s[0];
    nm_free(s);
  }
  if (!g->version && !(g->version = nm_strdup(""))) {
    rc = NMSIM_ENOMEM_ERR(err);
    goto done;
  }
  if (H5Lexists(fid, "node", H5P_DEFAULT) <= 0 || rd_kind(fid, "node") != H5I_GROUP) {
    rc = NMSIM_ERR(err, NMSIM_EFORMAT, "%s: no group 'node' at the root: not a NIR graph "
                   "(a NIR file holds 'version' and the graph in 'node')", path);
    goto done;
  }
  root = H5Gopen2(fid, "node", H5P_DEFAULT);
  char *type = NULL;
  if (root < 0) {
    rc = NMSIM_ERR(err, NMSIM_EFORMAT, "%s: HDF5 cannot open group 'node'", path);
    goto done;
  }
  if ((rc = rd_type(&r, root, "", &type))) goto done;
  if (strcmp(type, "NIRGraph") != 0) {
    rc = NMSIM_ERR(err, NMSIM_EINPUT, "%s: the top-level node is a '%s'; nmsim reads files whose "
                   "top-level node is a NIRGraph", path, type);
    nm_free(type);
    goto done;
  }
  nm_free(type);
  if ((rc = rd_graph(&r, root, "", -1))) goto done;
  if ((rc = order_edges(&r))) goto done;
  if ((rc = flatten_edges(&r))) goto done;
  rc = infer_shapes(&r);
done:
  if (root >= 0) H5Gclose(root);
  H5Fclose(fid);
  if (rc != NMSIM_OK) {
    nir_graph_destroy(g);
    return rc;
  }
  *out = g;
  return NMSIM_OK;
}

void nir_graph_destroy(nir_graph *g) {
  if (!g) return;
  for (size_t i = 0; i < g->n_nodes; i++) {
    nir_node *n = &g->nodes[i];
    for (size_t k = 0; k < n->n_params; k++) {
      nm_free(n->params[k].name);
      nm_free(n->params[k].v);
      nm_free(n->params[k].str);
    }
    nm_free(n->params);
    nm_free(n->name);
    nm_free(n->type);
  }
  for (size_t i = 0; i < g->n_warnings; i++) nm_free(g->warnings[i]);
  nm_free(g->warnings);
  nm_free(g->nodes);
  nm_free(g->edges);
  nm_free(g->edge_graph);
  nm_free(g->flat);
  nm_free(g->path);
  nm_free(g->version);
  nm_free(g);
}
