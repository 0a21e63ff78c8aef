/* yaml.c: libfyaml's document API wrapped for nmsim: diagnostics captured
 * (libfyaml never prints) and turned into "NAME:LINE:COL: ..." messages,
 * typed getters, strict key checks, --set overrides and emission. */
#include "sim/load/yaml.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/base/units.h"

/* One applied --set. libfyaml keeps pointers into the value text, so the
 * document owns a copy. node is the subtree the override set, re-resolved
 * after every yml_apply_overrides call (a later override may replace it). */
typedef struct yml_override {
  char *key;
  char *value;
  struct fy_node *node;      /* the value it set */
  struct fy_node *key_node;  /* the key it added to a mapping, if it is still there */
  struct fy_node *new_key;   /* the key it added (compared by address only) */
  char *built;               /* text of created nested mappings: nodes point into it */
  size_t created_depth;      /* steps to the mapping it created (0: none) */
  struct fy_node *created;   /* that mapping, if it is still there */
} yml_override;

struct yml_doc {
  char *name;
  char *text;                /* our copy: the document's tokens point into it */
  struct fy_diag *diag;      /* collects parse errors; prints nothing */
  struct fy_document *fyd;
  char diag_out[256];        /* first line libfyaml tried to print, if any */
  yml_override *ovr;
  size_t n_ovr, cap_ovr;
};

/* ---- diagnostics ---------------------------------------------------------- */

/* Output hook of the document's diag: keep the first message, print nothing. */
static void yml_diag_capture(struct fy_diag *diag, void *user, const char *buf, size_t len) {
  (void)diag;
  yml_doc *d = user;
  if (!d || d->diag_out[0]) return;
  static const char prefix[] = "[ERR]: ";
  if (len >= sizeof prefix - 1 && memcmp(buf, prefix, sizeof prefix - 1) == 0)
    buf += sizeof prefix - 1, len -= sizeof prefix - 1;
  while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' ')) len--;
  if (len >= sizeof d->diag_out) len = sizeof d->diag_out - 1;
  memcpy(d->diag_out, buf, len);
  d->diag_out[len] = 0;
}

static void yml_diag_discard(struct fy_diag *diag, void *user, const char *buf, size_t len) {
  (void)diag, (void)user, (void)buf, (void)len;
}

/* A diag that collects errors and sends any other output to fn. */
static struct fy_diag *yml_diag_new(fy_diag_output_fn fn, void *user) {
  struct fy_diag_cfg cfg;
  fy_diag_cfg_default(&cfg);
  cfg.fp = NULL;
  cfg.output_fn = fn;
  cfg.user = user;
  cfg.colorize = false;
  struct fy_diag *diag = fy_diag_create(&cfg);
  if (diag) fy_diag_set_collect_errors(diag, true);
  return diag;
}

/* The last error collected on diag, or NULL. */
static struct fy_diag_error *yml_last_error(struct fy_diag *diag) {
  void *it = NULL;
  struct fy_diag_error *e, *last = NULL;
  while ((e = fy_diag_errors_iterate(diag, &it))) last = e;
  return last;
}

/* ---- document ------------------------------------------------------------- */

static yml_doc *yml_doc_of(struct fy_node *n) {
  const struct fy_parse_cfg *cfg = n ? fy_document_get_cfg(fy_node_document(n)) : NULL;
  return cfg ? cfg->userdata : NULL;
}

static bool yml_subtree_has(struct fy_node *root, struct fy_node *n) {
  if (!root) return false;
  if (root == n) return true;
  void *it = NULL;
  if (fy_node_is_mapping(root)) {
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(root, &it)))
      if (yml_subtree_has(fy_node_pair_key(p), n) || yml_subtree_has(fy_node_pair_value(p), n))
        return true;
  } else if (fy_node_is_sequence(root)) {
    struct fy_node *c;
    while ((c = fy_node_sequence_iterate(root, &it)))
      if (yml_subtree_has(c, n)) return true;
  }
  return false;
}

/* The override whose value contains n or whose key is n, or NULL (the latest
 * one wins). */
static const yml_override *yml_override_of(const yml_doc *d, struct fy_node *n) {
  if (!d || !n) return NULL;
  for (size_t i = d->n_ovr; i-- > 0;)
    if ((d->ovr[i].node && yml_subtree_has(d->ovr[i].node, n)) || d->ovr[i].key_node == n ||
        (d->ovr[i].created && yml_subtree_has(d->ovr[i].created, n)))
      return &d->ovr[i];
  return NULL;
}

/* Whether the subtree at n holds anything an override set. */
static bool yml_holds_override(const yml_doc *d, struct fy_node *n) {
  for (size_t i = 0; d && i < d->n_ovr; i++)
    if ((d->ovr[i].node && yml_subtree_has(n, d->ovr[i].node)) ||
        (d->ovr[i].key_node && yml_subtree_has(n, d->ovr[i].key_node)) ||
        (d->ovr[i].created && yml_subtree_has(n, d->ovr[i].created)))
      return true;
  return false;
}

/* 1-based position of the start of n in the file (d may be NULL). False for
 * nodes with no place in it: an empty value, or anything from an override.
 * libfyaml has no public getter for the mark of a collection node, so ask it
 * to report on the node into a collecting diag and read the location back.
 * It reports on a collection through a token spanning its whole extent, which
 * it cannot build across inputs (0.7.12 crashes on that), so a collection
 * holding an override takes the position of its first child that has one. */
static bool yml_mark(const yml_doc *d, struct fy_node *n, int *line, int *col) {
  if (!n || yml_override_of(d, n)) return false;
  if ((fy_node_is_mapping(n) || fy_node_is_sequence(n)) && yml_holds_override(d, n)) {
    void *it = NULL;
    if (fy_node_is_mapping(n)) {
      struct fy_node_pair *p;
      while ((p = fy_node_mapping_iterate(n, &it)))
        if (yml_mark(d, fy_node_pair_key(p), line, col)) return true;
    } else {
      struct fy_node *c;
      while ((c = fy_node_sequence_iterate(n, &it)))
        if (yml_mark(d, c, line, col)) return true;
    }
    return false;
  }
  struct fy_diag *dg = yml_diag_new(yml_diag_discard, NULL);
  if (!dg) return false;
  fy_diag_node_report(dg, n, FYET_ERROR, "%s", "here");
  void *it = NULL;
  struct fy_diag_error *e = fy_diag_errors_iterate(dg, &it);
  bool ok = e && e->line > 0;
  if (ok) *line = e->line, *col = e->column;
  fy_diag_destroy(dg);
  return ok;
}

/* Key node of the pair whose value is n, searching from root; NULL if none. */
static struct fy_node *yml_key_of(struct fy_node *root, struct fy_node *n) {
  if (!root) return NULL;
  void *it = NULL;
  if (fy_node_is_mapping(root)) {
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(root, &it))) {
      if (fy_node_pair_value(p) == n) return fy_node_pair_key(p);
      struct fy_node *k = yml_key_of(fy_node_pair_value(p), n);
      if (k) return k;
    }
  } else if (fy_node_is_sequence(root)) {
    struct fy_node *c;
    while ((c = fy_node_sequence_iterate(root, &it))) {
      struct fy_node *k = yml_key_of(c, n);
      if (k) return k;
    }
  }
  return NULL;
}

void yml_pos(const struct fy_node *cn, int *line, int *col) {
  struct fy_node *n = (struct fy_node *)cn;  /* libfyaml's getters are not const */
  *line = *col = 0;
  if (!n) return;
  yml_doc *d = yml_doc_of(n);
  if (yml_override_of(d, n)) return;  /* from the command line: no place in the file */
  if (yml_mark(d, n, line, col)) return;
  /* An empty value has no token: use its key's position. */
  struct fy_node *k = d ? yml_key_of(fy_document_root(d->fyd), n) : NULL;
  if (k) yml_mark(d, k, line, col);
}

static bool yml_blank(const char *text) {
  bool comment = false;
  for (const char *p = text; *p; p++) {
    if (*p == '\n') comment = false;
    else if (*p == '#') comment = true;
    else if (!comment && *p != ' ' && *p != '\t' && *p != '\r') return false;
  }
  return true;
}

/* Line of the last "---" that starts a line (1-based), or 1. */
static int yml_last_doc_start(const char *text) {
  int line = 1, found = 1;
  for (const char *p = text; *p; p++) {
    if ((p == text || p[-1] == '\n') && strncmp(p, "---", 3) == 0) found = line;
    if (*p == '\n') line++;
  }
  return found;
}

/* The message for a document libfyaml could not load. */
static nmsim_status yml_parse_failed(yml_doc *d, nmsim_err *err) {
  struct fy_diag_error *e = yml_last_error(d->diag);
  if (e)
    return NMSIM_ERR(err, NMSIM_EINPUT, "%s:%d:%d: %s", d->name, e->line, e->column,
                     e->msg ? e->msg : "YAML syntax error");
  if (yml_blank(d->text))
    return NMSIM_ERR(err, NMSIM_EINPUT, "%s:1:1: empty document", d->name);
  return NMSIM_ERR(err, NMSIM_EINPUT, "%s:1:1: %s", d->name,
                   d->diag_out[0] ? d->diag_out : "could not load the YAML document");
}

nmsim_status yml_check_utf8(const char *name, const char *text, nmsim_err *err) {
  const unsigned char *p = (const unsigned char *)text;
  int line = 1, col = 1;
  while (*p) {
    unsigned c = *p;
    size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3
               : (c & 0xF8) == 0xF0 ? 4 : 0;
    uint32_t cp = n == 1 ? c : n == 2 ? c & 0x1F : n == 3 ? c & 0x0F : c & 0x07;
    for (size_t k = 1; k < n; k++) {
      if ((p[k] & 0xC0) != 0x80) {
        n = 0;
        break;
      }
      cp = cp << 6 | (p[k] & 0x3F);
    }
    /* no overlong forms, surrogates or code points beyond U+10FFFF */
    static const uint32_t least[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (n == 0 || cp < least[n] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
      return NMSIM_ERR(err, NMSIM_EINPUT, "%s:%d:%d: not UTF-8 text (byte 0x%02x)", name, line,
                       col, c);
    if (c == '\n') line++, col = 1;
    else col++;
    p += n;
  }
  return NMSIM_OK;
}

nmsim_status yml_check_quotes(const char *name, const char *text, nmsim_err *err) {
  int line = 1, col = 1, run = 0;
  for (const char *p = text; *p; p++) {
    run = *p == '\'' ? run + 1 : 0;
    if (run == YML_MAX_QUOTE_RUN)
      return NMSIM_ERR(err, NMSIM_EINPUT,
                       "%s:%d:%d: %d quote characters (') in a row: libfyaml 0.7 misreads "
                       "'' escapes in a row; write the value in double quotes (\"x''y\")",
                       name, line, col - YML_MAX_QUOTE_RUN + 1, YML_MAX_QUOTE_RUN);
    if (*p == '\n' || (*p == '\r' && p[1] != '\n')) line++, col = 1;
    else col++;
  }
  return NMSIM_OK;
}

/* Nodes the document holds once its aliases are expanded, and how deep it
 * nests, each counted until it passes its limit (so a document built to
 * explode is refused in bounded time, before libfyaml resolves it). */
typedef struct yml_size {
  uint64_t nodes;
  int depth;
  bool aliases;            /* the document has an alias to resolve */
} yml_size;

static void yml_measure(struct fy_node *n, int depth, yml_size *z) {
  if (!n || z->nodes > YML_MAX_NODES || z->depth > YML_MAX_DEPTH) return;
  z->nodes++;
  if (depth > z->depth) z->depth = depth;
  if (fy_node_is_alias(n)) {
    z->aliases = true;
    yml_measure(fy_node_resolve_alias(n), depth + 1, z);
  } else if (fy_node_is_sequence(n)) {
    void *it = NULL;
    struct fy_node *c;
    while ((c = fy_node_sequence_iterate(n, &it)) && z->nodes <= YML_MAX_NODES)
      yml_measure(c, depth + 1, z);
  } else if (fy_node_is_mapping(n)) {
    void *it = NULL;
    struct fy_node_pair *pr;
    while ((pr = fy_node_mapping_iterate(n, &it)) && z->nodes <= YML_MAX_NODES) {
      yml_measure(fy_node_pair_key(pr), depth + 1, z);
      yml_measure(fy_node_pair_value(pr), depth + 1, z);
    }
  }
}

/* A scalar key of a mapping, for sorting them. */
typedef struct yml_key {
  const char *s;
  size_t n;
  struct fy_node *node;
} yml_key;

static int yml_key_cmp(const void *a, const void *b) {
  const yml_key *x = a, *y = b;
  size_t n = x->n < y->n ? x->n : y->n;
  int c = memcmp(x->s, y->s, n);
  if (c) return c;
  if (x->n != y->n) return x->n < y->n ? -1 : 1;
  return x->node < y->node ? -1 : x->node > y->node; /* equal keys: any order */
}

/* The key node that repeats an earlier key of its mapping, anywhere under
 * n (aliases not followed: their targets are checked where they stand), or
 * NULL. libfyaml's own check searches each mapping linearly for every key,
 * so 20,000 populations took minutes; this sorts each mapping's keys once.
 * *oom is set when the key array cannot be allocated. */
static struct fy_node *yml_find_dup(struct fy_node *n, int depth, bool *oom) {
  if (!n || depth > YML_MAX_DEPTH || fy_node_is_alias(n)) return NULL;
  if (fy_node_is_sequence(n)) {
    void *it = NULL;
    struct fy_node *c, *d;
    while ((c = fy_node_sequence_iterate(n, &it)))
      if ((d = yml_find_dup(c, depth + 1, oom))) return d;
    return NULL;
  }
  if (!fy_node_is_mapping(n)) return NULL;
  size_t cnt = (size_t)fy_node_mapping_item_count(n), k = 0;
  yml_key *keys = cnt > 1 ? nm_malloc(cnt * sizeof *keys) : NULL;
  if (cnt > 1 && !keys) {
    *oom = true;
    return NULL;
  }
  void *it = NULL;
  struct fy_node_pair *pr;
  struct fy_node *dup = NULL;
  while ((pr = fy_node_mapping_iterate(n, &it))) {
    struct fy_node *key = fy_node_pair_key(pr);
    size_t len = 0;
    const char *txt = key && fy_node_is_scalar(key) ? fy_node_get_scalar(key, &len) : NULL;
    if (keys && txt) keys[k++] = (yml_key){txt, len, key};
    if (!dup) dup = yml_find_dup(fy_node_pair_value(pr), depth + 1, oom);
  }
  if (keys) {
    qsort(keys, k, sizeof *keys, yml_key_cmp);
    for (size_t i = 1; i < k && !dup; i++)
      if (keys[i].n == keys[i - 1].n && memcmp(keys[i].s, keys[i - 1].s, keys[i].n) == 0) {
        /* the later one in the file is the repeat */
        int l1 = 0, c1 = 0, l2 = 0, c2 = 0;
        yml_mark(NULL, keys[i - 1].node, &l1, &c1);
        yml_mark(NULL, keys[i].node, &l2, &c2);
        dup = l2 > l1 || (l2 == l1 && c2 > c1) ? keys[i].node : keys[i - 1].node;
      }
    nm_free(keys);
  }
  return dup;
}

nmsim_status yml_parse(const char *name, const char *text, yml_doc **out, nmsim_err *err) {
  nmsim_status rc = NMSIM_OK;
  struct fy_parser *fyp = NULL;
  *out = NULL;
  yml_doc *d = nm_calloc(1, sizeof *d);
  if (!d) return NMSIM_ENOMEM_ERR(err);
  d->name = nm_strdup(name ? name : "<string>");
  d->text = nm_strdup(text ? text : "");
  d->diag = yml_diag_new(yml_diag_capture, d);
  if (!d->name || !d->text || !d->diag) goto nomem;
  /* libfyaml loops forever on some bytes that are not UTF-8 */
  if ((rc = yml_check_utf8(d->name, d->text, err)) != NMSIM_OK ||
      (rc = yml_check_quotes(d->name, d->text, err)) != NMSIM_OK)
    goto fail;

  /* anchors and aliases are resolved after the document is measured */
  struct fy_parse_cfg cfg = {
      .flags = FYPCF_QUIET | FYPCF_ALLOW_DUPLICATE_KEYS, /* found by yml_find_dup */
      .userdata = d,  /* lets yml_pos find the document of a node */
      .diag = d->diag,
  };
  fyp = fy_parser_create(&cfg);
  if (!fyp || fy_parser_set_string(fyp, d->text, strlen(d->text)) != 0) goto nomem;
  d->fyd = fy_parse_load_document(fyp);
  if (!d->fyd || fy_diag_got_error(d->diag)) {
    rc = yml_parse_failed(d, err);
    goto fail;
  }
  /* One document per file: a second one is almost surely a mistake. */
  struct fy_document *extra = fy_parse_load_document(fyp);
  if (extra) {
    int line = 0, col = 0;
    struct fy_node *r = fy_document_root(extra);
    if (!r || !yml_mark(NULL, r, &line, &col)) line = yml_last_doc_start(d->text), col = 1;
    fy_parse_document_destroy(fyp, extra);
    rc = NMSIM_ERR(err, NMSIM_EINPUT, "%s:%d:%d: expected a single YAML document, found another",
                   d->name, line, col);
    goto fail;
  }
  if (fy_diag_got_error(d->diag)) {
    rc = yml_parse_failed(d, err);
    goto fail;
  }
  bool oom = false;
  struct fy_node *dup = yml_find_dup(fy_document_root(d->fyd), 1, &oom);
  if (oom) goto nomem;
  if (dup) {
    int line = 0, col = 0;
    size_t len = 0;
    const char *k = fy_node_get_scalar(dup, &len);
    yml_mark(NULL, dup, &line, &col);
    rc = NMSIM_ERR(err, NMSIM_EINPUT, "%s:%d:%d: duplicate key '%.*s'", d->name, line, col,
                   (int)(len > 200 ? 200 : len), k ? k : "");
    goto fail;
  }
  yml_size z = {0, 0, false};
  yml_measure(fy_document_root(d->fyd), 1, &z);
  if (z.nodes > YML_MAX_NODES || z.depth > YML_MAX_DEPTH) {
    rc = NMSIM_ERR(err, NMSIM_EINPUT, z.depth > YML_MAX_DEPTH
                                          ? "%s: the document nests more than %d levels deep"
                                          : "%s: the document holds more than %d nodes once its "
                                            "aliases (*name) are expanded",
                   d->name, z.depth > YML_MAX_DEPTH ? YML_MAX_DEPTH : (int)YML_MAX_NODES);
    goto fail;
  }
  /* resolving compares keys pairwise in libfyaml 0.7 (minutes for 20,000
   * populations): only a document with aliases needs it */
  if (z.aliases && (fy_document_resolve(d->fyd) != 0 || fy_diag_got_error(d->diag))) {
    rc = yml_parse_failed(d, err);
    goto fail;
  }
  fy_parser_destroy(fyp);
  *out = d;
  return NMSIM_OK;

nomem:
  rc = NMSIM_ENOMEM_ERR(err);
fail:
  if (fyp) fy_parser_destroy(fyp);
  yml_free(d);
  return rc;
}

void yml_free(yml_doc *d) {
  if (!d) return;
  if (d->fyd) fy_document_destroy(d->fyd);
  if (d->diag) fy_diag_destroy(d->diag);
  for (size_t i = 0; i < d->n_ovr; i++) {
    nm_free(d->ovr[i].key);
    nm_free(d->ovr[i].value);
    nm_free(d->ovr[i].built);
  }
  nm_free(d->ovr);
  nm_free(d->text);
  nm_free(d->name);
  nm_free(d);
}

struct fy_node *yml_root(yml_doc *d) { return d ? fy_document_root(d->fyd) : NULL; }
const char *yml_name(const yml_doc *d) { return d ? d->name : ""; }

char *yml_emit(yml_doc *d) {
  char *s = fy_emit_document_to_string(
      d->fyd, FYECF_MODE_BLOCK | FYECF_WIDTH_INF | FYECF_INDENT_DEFAULT | FYECF_DOC_END_MARK_OFF);
  if (!s) return NULL;
  char *copy = nm_strdup(s);
  free(s);  /* libfyaml allocates with malloc */
  return copy;
}

/* ---- messages -------------------------------------------------------------- */

/* What was found at n, for "got ...": 'text', an empty value, a mapping... */
static const char *yml_got(struct fy_node *n, char *buf, size_t len) {
  if (!n) return "nothing";
  switch (fy_node_get_type(n)) {
  case FYNT_MAPPING: return "a mapping";
  case FYNT_SEQUENCE: return "a sequence";
  case FYNT_SCALAR: break;
  default: return "something else";
  }
  if (fy_node_is_alias(n)) return "an alias";
  size_t sl = 0;
  const char *s = fy_node_get_scalar(n, &sl);
  if (!s || sl == 0) return "an empty value";
  snprintf(buf, len, "'%.*s%s'", (int)(sl > 60 ? 57 : sl), s, sl > 60 ? "..." : "");
  return buf;
}

nmsim_status yml_error(yml_doc *d, struct fy_node *n, const char *field, nmsim_err *err,
                       const char *fmt, ...) {
  char what[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  const char *name = yml_name(d);
  const char *sep = field && field[0] ? ": " : "";
  if (!field) field = "";
  const yml_override *o = yml_override_of(d, n);
  if (o)
    return NMSIM_ERR(err, NMSIM_EINPUT, "%s: --set %s=%s: %s%s%s", name, o->key, o->value, field,
                     sep, what);
  int line, col;
  yml_pos(n, &line, &col);
  if (line == 0) return NMSIM_ERR(err, NMSIM_EINPUT, "%s: %s%s%s", name, field, sep, what);
  return NMSIM_ERR(err, NMSIM_EINPUT, "%s:%d:%d: %s%s%s", name, line, col, field, sep, what);
}

/* "a, b, c" from a NULL-terminated list (truncated to fit). */
static void yml_join(const char *const *list, char *buf, size_t len) {
  size_t n = 0;
  buf[0] = 0;
  for (size_t i = 0; list[i] && n < len; i++)
    n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "", list[i]);
}

/* The text of a scalar key, or NULL if k is not a scalar. */
static const char *yml_key_text(struct fy_node *k, size_t *len) {
  if (!k || !fy_node_is_scalar(k) || fy_node_is_alias(k)) return NULL;
  return fy_node_get_scalar(k, len);
}

nmsim_status yml_check_keys(yml_doc *d, struct fy_node *m, const char *field,
                            const char *const *allowed, nmsim_err *err) {
  char got[80], list[512];
  if (!m || !fy_node_is_mapping(m))
    return yml_error(d, m, field, err, "expected a mapping, got %s", yml_got(m, got, sizeof got));
  void *it = NULL;
  struct fy_node_pair *p;
  while ((p = fy_node_mapping_iterate(m, &it))) {
    struct fy_node *k = fy_node_pair_key(p);
    size_t kl = 0;
    const char *kt = yml_key_text(k, &kl);
    if (!kt)
      return yml_error(d, k, field, err, "expected plain keys, got %s", yml_got(k, got, sizeof got));
    bool ok = false;
    for (size_t i = 0; allowed[i] && !ok; i++)
      ok = strlen(allowed[i]) == kl && memcmp(allowed[i], kt, kl) == 0;
    if (ok) continue;
    char path[256];
    snprintf(path, sizeof path, "%s%s%.*s", field && field[0] ? field : "",
             field && field[0] ? "." : "", (int)kl, kt);
    yml_join(allowed, list, sizeof list);
    return yml_error(d, k, path, err, "unknown field; expected one of: %s", list);
  }
  return NMSIM_OK;
}

struct fy_node *yml_get(struct fy_node *m, const char *key) {
  if (!m || !fy_node_is_mapping(m)) return NULL;
  size_t want = strlen(key);
  void *it = NULL;
  struct fy_node_pair *p;
  while ((p = fy_node_mapping_iterate(m, &it))) {
    size_t kl = 0;
    const char *kt = yml_key_text(fy_node_pair_key(p), &kl);
    if (kt && kl == want && memcmp(kt, key, kl) == 0) return fy_node_pair_value(p);
  }
  return NULL;
}

/* ---- typed reads ------------------------------------------------------------ */

/* Text of a non-empty scalar, or NULL. */
static const char *yml_scalar(struct fy_node *n) {
  if (!n || !fy_node_is_scalar(n) || fy_node_is_alias(n) || fy_node_is_null(n)) return NULL;
  return fy_node_get_scalar0(n);
}

nmsim_status yml_str(yml_doc *d, struct fy_node *n, const char *field, const char **out,
                     nmsim_err *err) {
  char got[80];
  const char *s = yml_scalar(n);
  if (!s || !s[0])
    return yml_error(d, n, field, err, "expected a string, got %s", yml_got(n, got, sizeof got));
  *out = s;
  return NMSIM_OK;
}

/* Parse a non-negative integer: decimal digits, or a number in any notation
 * ("1e6") whose value is a whole number up to 2^53. */
static bool yml_parse_u64(const char *s, uint64_t *out) {
  const char *p = s;
  if (*p == '+') p++;
  if (*p >= '0' && *p <= '9') {
    uint64_t v = 0;
    const char *q = p;
    for (; *q >= '0' && *q <= '9'; q++) {
      unsigned dgt = (unsigned)(*q - '0');
      if (v > (UINT64_MAX - dgt) / 10) return false;
      v = v * 10 + dgt;
    }
    if (!*q) {
      *out = v;
      return true;
    }
  }
  double x;
  char msg[200];
  if (units_parse(s, "", &x, msg, sizeof msg) != NMSIM_OK) return false;
  if (x < 0 || x > 9007199254740992.0 || x != floor(x)) return false;
  *out = (uint64_t)x;
  return true;
}

nmsim_status yml_u64(yml_doc *d, struct fy_node *n, const char *field, uint64_t min,
                     uint64_t max, uint64_t *out, nmsim_err *err) {
  char got[80];
  const char *s = yml_scalar(n);
  uint64_t v;
  if (!s || !yml_parse_u64(s, &v) || v < min || v > max)
    return yml_error(d, n, field, err, "expected an integer in [%" PRIu64 ", %" PRIu64 "], got %s",
                     min, max, yml_got(n, got, sizeof got));
  *out = v;
  return NMSIM_OK;
}

nmsim_status yml_bool(yml_doc *d, struct fy_node *n, const char *field, bool *out,
                      nmsim_err *err) {
  static const char *const yes[] = {"true", "True", "TRUE"};
  static const char *const no[] = {"false", "False", "FALSE"};
  char got[80];
  const char *s = yml_scalar(n);
  for (size_t i = 0; s && i < NM_ARRAY_LEN(yes); i++) {
    if (strcmp(s, yes[i]) == 0) return *out = true, NMSIM_OK;
    if (strcmp(s, no[i]) == 0) return *out = false, NMSIM_OK;
  }
  return yml_error(d, n, field, err, "expected true or false, got %s", yml_got(n, got, sizeof got));
}

/* "in [0, 1] ms", ">= 0 pJ", "<= 5" or "" for the range [min, max]. */
static void yml_range(double min, double max, const char *unit, char *buf, size_t len) {
  const char *sp = unit && unit[0] ? " " : "";
  if (!unit) unit = "";
  if (isfinite(min) && isfinite(max)) snprintf(buf, len, "in [%g, %g]%s%s", min, max, sp, unit);
  else if (isfinite(min)) snprintf(buf, len, ">= %g%s%s", min, sp, unit);
  else if (isfinite(max)) snprintf(buf, len, "<= %g%s%s", max, sp, unit);
  else buf[0] = 0;
}

nmsim_status yml_quantity(yml_doc *d, struct fy_node *n, const char *field, const char *unit,
                          double min, double max, double *out, nmsim_err *err) {
  char got[80], msg[300], range[96];
  const char *s = yml_scalar(n);
  if (!s) {
    if (unit && unit[0])
      return yml_error(d, n, field, err, "expected a quantity in %s, got %s", unit,
                       yml_got(n, got, sizeof got));
    return yml_error(d, n, field, err, "expected a number, got %s", yml_got(n, got, sizeof got));
  }
  double v;
  nmsim_status rc = units_parse(s, unit, &v, msg, sizeof msg);
  if (rc == NMSIM_EINPUT) return yml_error(d, n, field, err, "%s", msg);
  if (rc != NMSIM_OK) return NMSIM_ERR(err, rc, "%s: %s: %s", yml_name(d), field, msg);
  if (v < min || v > max) {
    yml_range(min, max, unit, range, sizeof range);
    return yml_error(d, n, field, err, "expected a value %s, got %s", range,
                     yml_got(n, got, sizeof got));
  }
  *out = v;
  return NMSIM_OK;
}

/* ---- overrides ---------------------------------------------------------------- */

/* One step of an override key: a mapping key (name, len) or a sequence index. */
typedef struct yml_step {
  const char *name;
  size_t len;
  bool is_index;
  uint64_t index;
} yml_step;

enum { YML_MAX_STEPS = 32 };

/* Split "a.b[2].c" into steps. False if malformed. */
static bool yml_split_key(const char *key, yml_step *steps, size_t *n) {
  const char *p = key;
  *n = 0;
  if (!*p) return false;
  for (;;) {
    const char *s = p;
    while (*p && *p != '.' && *p != '[' && *p != ']') p++;
    if (p == s || *n == YML_MAX_STEPS) return false;
    steps[(*n)++] = (yml_step){.name = s, .len = (size_t)(p - s)};
    while (*p == '[') {
      uint64_t v = 0;
      const char *q = ++p;
      for (; *q >= '0' && *q <= '9'; q++) {
        if (v > UINT32_MAX) return false;
        v = v * 10 + (uint64_t)(*q - '0');
      }
      if (q == p || *q != ']' || *n == YML_MAX_STEPS) return false;
      steps[(*n)++] = (yml_step){.is_index = true, .index = v};
      p = q + 1;
    }
    if (!*p) return true;
    if (*p != '.') return false;
    p++;
  }
}

static struct fy_node_pair *yml_find_pair(struct fy_node *m, const char *name, size_t len) {
  void *it = NULL;
  struct fy_node_pair *p;
  while ((p = fy_node_mapping_iterate(m, &it))) {
    size_t kl = 0;
    const char *kt = yml_key_text(fy_node_pair_key(p), &kl);
    if (kt && kl == len && memcmp(kt, name, len) == 0) return p;
  }
  return NULL;
}

/* "'a', 'b'" listing the keys of m (truncated to fit). */
static void yml_list_keys(struct fy_node *m, char *buf, size_t len) {
  size_t n = 0;
  void *it = NULL;
  struct fy_node_pair *p;
  buf[0] = 0;
  while ((p = fy_node_mapping_iterate(m, &it)) && n < len) {
    size_t kl = 0;
    const char *kt = yml_key_text(fy_node_pair_key(p), &kl);
    if (kt) n += (size_t)snprintf(buf + n, len - n, "%s%.*s", n ? ", " : "", (int)kl, kt);
  }
  if (!buf[0]) snprintf(buf, len, "none");
}

/* Walk steps[0..n) from the root. On failure *bad is the failing step and
 * *parent the node it was looked up in. */
static struct fy_node *yml_walk(yml_doc *d, const yml_step *steps, size_t n, size_t *bad,
                                struct fy_node **parent) {
  struct fy_node *cur = fy_document_root(d->fyd);
  for (size_t i = 0; i < n; i++) {
    *bad = i;
    *parent = cur;
    if (!cur) return NULL;
    if (steps[i].is_index) {
      if (!fy_node_is_sequence(cur) || steps[i].index >= (uint64_t)fy_node_sequence_item_count(cur))
        return NULL;
      cur = fy_node_sequence_get_by_index(cur, (int)steps[i].index);
    } else {
      if (!fy_node_is_mapping(cur)) return NULL;
      struct fy_node_pair *p = yml_find_pair(cur, steps[i].name, steps[i].len);
      if (!p) return NULL;
      cur = fy_node_pair_value(p);
    }
  }
  return cur;
}

/* Record an error about override o. */
static nmsim_status yml_ovr_error(yml_doc *d, const yml_override *o, nmsim_err *err,
                                  const char *fmt, ...) NMSIM_PRINTF(4, 5);
static nmsim_status yml_ovr_error(yml_doc *d, const yml_override *o, nmsim_err *err,
                                  const char *fmt, ...) {
  char what[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  return NMSIM_ERR(err, NMSIM_EINPUT, "%s: --set %s=%s: %s", d->name, o->key, o->value, what);
}

/* A --set value holding a mapping with a repeated key is refused. */
static nmsim_status yml_ovr_dup(yml_doc *d, const yml_override *o, struct fy_node *v,
                                nmsim_err *err) {
  bool oom = false;
  struct fy_node *dup = yml_find_dup(v, 1, &oom);
  if (oom) return NMSIM_ENOMEM_ERR(err);
  if (!dup) return NMSIM_OK;
  size_t len = 0;
  const char *k = fy_node_get_scalar(dup, &len);
  return yml_ovr_error(d, o, err, "duplicate key '%.*s'", (int)(len > 200 ? 200 : len),
                       k ? k : "");
}

/* "populations.exc" from steps[0..k), or "the top level" when k is 0. */
static void yml_steps_text(const yml_step *steps, size_t k, char *buf, size_t len) {
  size_t n = 0;
  buf[0] = 0;
  if (k == 0) {
    snprintf(buf, len, "the top level");
    return;
  }
  for (size_t i = 0; i < k && n < len; i++) {
    if (steps[i].is_index) n += (size_t)snprintf(buf + n, len - n, "[%" PRIu64 "]", steps[i].index);
    else n += (size_t)snprintf(buf + n, len - n, "%s%.*s", i ? "." : "", (int)steps[i].len,
                               steps[i].name);
  }
}

/* Error for step k of o, which could not be looked up in parent. */
static nmsim_status yml_step_error(yml_doc *d, const yml_override *o, const yml_step *steps,
                                   size_t k, struct fy_node *parent, nmsim_err *err) {
  char where[256], keys[400];
  const yml_step *s = &steps[k];
  yml_steps_text(steps, k, where, sizeof where);
  if (s->is_index) {
    if (parent && fy_node_is_sequence(parent))
      return yml_ovr_error(d, o, err, "%s has %d items, no item [%" PRIu64 "]", where,
                           fy_node_sequence_item_count(parent), s->index);
    return yml_ovr_error(d, o, err, "%s is not a list", where);
  }
  if (parent && fy_node_is_mapping(parent)) {
    yml_list_keys(parent, keys, sizeof keys);
    return yml_ovr_error(d, o, err, "no key '%.*s' in %s (keys: %s)", (int)s->len, s->name, where,
                         keys);
  }
  return yml_ovr_error(d, o, err, "%s is not a mapping, so it has no key '%.*s'", where,
                       (int)s->len, s->name);
}

static nmsim_status yml_apply_one(yml_doc *d, yml_override *o, nmsim_err *err) {
  yml_step steps[YML_MAX_STEPS];
  size_t n = 0, bad = 0;
  struct fy_node *parent = NULL;
  if (!yml_split_key(o->key, steps, &n))
    return yml_ovr_error(d, o, err,
                         "malformed key '%s' (expected names separated by dots, with [N] for "
                         "list items, e.g. populations.exc.params.tau_m)",
                         o->key);
  /* Every step but the last must exist; the last may be a new mapping key. */
  struct fy_node *holder = yml_walk(d, steps, n - 1, &bad, &parent);
  if (!holder) {
    /* A missing mapping key on the way is created, holding the rest of the
     * path as nested mappings (a misspelt key is then reported by the
     * loader as an unknown field). */
    bool names = parent && fy_node_is_mapping(parent);
    for (size_t i = bad; i < n && names; i++) names = !steps[i].is_index;
    if (!names || yml_blank(o->value)) return yml_step_error(d, o, steps, bad, parent, err);
    size_t len = strlen(o->value) + 1;
    for (size_t i = bad + 1; i < n; i++) len += steps[i].len + 4;
    char *text = nm_malloc(len), *tmp = nm_malloc(len);
    if (!text || !tmp) {
      nm_free(text);
      nm_free(tmp);
      return NMSIM_ENOMEM_ERR(err);
    }
    snprintf(text, len, "%s", o->value);
    for (size_t i = n - 1; i > bad; i--) {
      snprintf(tmp, len, "{%.*s: %s}", (int)steps[i].len, steps[i].name, text);
      memcpy(text, tmp, len);
    }
    nm_free(tmp);
    nm_free(o->built);
    o->built = text; /* the new nodes point into it: keep it as long as the document */
    struct fy_node *v = fy_node_build_from_string(d->fyd, text, strlen(text));
    if (!v) return yml_ovr_error(d, o, err, "expected a YAML value");
    nmsim_status rc0 = yml_ovr_dup(d, o, v, err);
    if (rc0) {
      fy_node_free(v);
      return rc0;
    }
    struct fy_node *k = fy_node_create_scalar_copy(d->fyd, steps[bad].name, steps[bad].len);
    if (!k || fy_node_mapping_append(parent, k, v) != 0) {
      if (k) fy_node_free(k);
      fy_node_free(v);
      return NMSIM_ENOMEM_ERR(err);
    }
    o->new_key = k;
    o->created_depth = bad + 1;
    return NMSIM_OK;
  }
  const yml_step *last = &steps[n - 1];
  if (last->is_index ? !fy_node_is_sequence(holder) ||
                           last->index >= (uint64_t)fy_node_sequence_item_count(holder)
                     : !fy_node_is_mapping(holder))
    return yml_step_error(d, o, steps, n - 1, holder, err);
  if (yml_blank(o->value)) return yml_ovr_error(d, o, err, "expected a value after '='");

  struct fy_node *v = fy_node_build_from_string(d->fyd, o->value, strlen(o->value));
  if (!v) {
    struct fy_diag_error *e = yml_last_error(d->diag);
    if (e)
      return yml_ovr_error(d, o, err, "expected a YAML value, got a syntax error: %s (line %d, "
                           "column %d of the value)", e->msg ? e->msg : "invalid YAML", e->line,
                           e->column);
    return NMSIM_ENOMEM_ERR(err);
  }
  nmsim_status rc1 = yml_ovr_dup(d, o, v, err);
  if (rc1) {
    fy_node_free(v);
    return rc1;
  }
  if (last->is_index) {
    struct fy_node *old = fy_node_sequence_get_by_index(holder, (int)last->index);
    if (fy_node_sequence_insert_after(holder, old, v) != 0) {
      fy_node_free(v);
      return NMSIM_ENOMEM_ERR(err);
    }
    fy_node_free(fy_node_sequence_remove(holder, old));
    return NMSIM_OK;
  }
  struct fy_node_pair *p = yml_find_pair(holder, last->name, last->len);
  if (p) {
    if (fy_node_pair_set_value(p, v) != 0) {
      fy_node_free(v);
      return NMSIM_ENOMEM_ERR(err);
    }
    return NMSIM_OK;
  }
  struct fy_node *k = fy_node_create_scalar_copy(d->fyd, last->name, last->len);
  if (!k || fy_node_mapping_append(holder, k, v) != 0) {
    if (k) fy_node_free(k);
    fy_node_free(v);
    return NMSIM_ENOMEM_ERR(err);
  }
  o->new_key = k;
  return NMSIM_OK;
}

/* The pair of mapping m whose key node is k (by address), or NULL. */
static struct fy_node_pair *yml_pair_of_key(struct fy_node *m, struct fy_node *k) {
  if (!m || !k || !fy_node_is_mapping(m)) return NULL;
  void *it = NULL;
  struct fy_node_pair *p;
  while ((p = fy_node_mapping_iterate(m, &it)))
    if (fy_node_pair_key(p) == k) return p;
  return NULL;
}

/* Point every override at the subtree its key names now. */
static void yml_refresh_overrides(yml_doc *d) {
  for (size_t i = 0; i < d->n_ovr; i++) {
    yml_step steps[YML_MAX_STEPS];
    size_t n = 0, bad;
    struct fy_node *parent;
    yml_override *o = &d->ovr[i];
    o->node = o->key_node = o->created = NULL;
    if (!yml_split_key(o->key, steps, &n)) continue;
    if (o->created_depth) {
      struct fy_node *h = yml_walk(d, steps, o->created_depth - 1, &bad, &parent);
      const yml_step *c = &steps[o->created_depth - 1];
      struct fy_node_pair *p = h && fy_node_is_mapping(h) ? yml_find_pair(h, c->name, c->len)
                                                          : NULL;
      if (!p || fy_node_pair_key(p) != o->new_key) p = yml_pair_of_key(h, o->new_key);
      if (p) {
        o->created = fy_node_pair_value(p);
        o->key_node = o->new_key;
      }
    }
    struct fy_node *holder = yml_walk(d, steps, n - 1, &bad, &parent);
    const yml_step *last = &steps[n - 1];
    if (!holder) continue;
    if (last->is_index) {
      if (fy_node_is_sequence(holder) &&
          last->index < (uint64_t)fy_node_sequence_item_count(holder))
        o->node = fy_node_sequence_get_by_index(holder, (int)last->index);
    } else if (fy_node_is_mapping(holder)) {
      struct fy_node_pair *p = yml_find_pair(holder, last->name, last->len);
      /* a key libfyaml reads back otherwise (" x" as "x") is found by address */
      if (o->new_key && (!p || fy_node_pair_key(p) != o->new_key)) {
        struct fy_node_pair *q = yml_pair_of_key(holder, o->new_key);
        if (q) p = q;
      }
      if (p) o->node = fy_node_pair_value(p);
      /* Every node made after parsing comes from an override, so an address
       * match can only name override content. */
      if (p && fy_node_pair_key(p) == o->new_key) o->key_node = o->new_key;
    }
  }
}

nmsim_status yml_apply_overrides(yml_doc *d, const nmsim_override *ov, size_t n,
                                 nmsim_err *err) {
  nmsim_status rc = NMSIM_OK;
  for (size_t i = 0; i < n && rc == NMSIM_OK; i++) {
    if (nm_grow((void **)&d->ovr, &d->cap_ovr, d->n_ovr + 1, sizeof *d->ovr) != NMSIM_OK)
      return NMSIM_ENOMEM_ERR(err);
    yml_override *o = &d->ovr[d->n_ovr];
    o->node = o->key_node = o->new_key = o->created = NULL;
    o->built = NULL;
    o->created_depth = 0;
    o->key = nm_strdup(ov[i].key ? ov[i].key : "");
    o->value = nm_strdup(ov[i].value ? ov[i].value : "");
    if (!o->key || !o->value) {
      nm_free(o->key);
      nm_free(o->value);
      return NMSIM_ENOMEM_ERR(err);
    }
    d->n_ovr++;
    /* libfyaml loops forever on some bytes that are not UTF-8 */
    if (yml_check_utf8("", o->key, NULL) != NMSIM_OK ||
        yml_check_utf8("", o->value, NULL) != NMSIM_OK)
      return NMSIM_ERR(err, NMSIM_EINPUT, "%s: --set %s: not UTF-8 text", d->name,
                       yml_check_utf8("", o->key, NULL) ? "KEY" : o->key);
    if (yml_check_quotes("", o->value, NULL) != NMSIM_OK)
      return NMSIM_ERR(err, NMSIM_EINPUT, "%s: --set %s: %d quote characters (') in a row: libfyaml 0.7 "
                       "misreads '' escapes in a row; write the value in double quotes",
                       d->name, o->key, YML_MAX_QUOTE_RUN);
    rc = yml_apply_one(d, o, err);
  }
  yml_refresh_overrides(d);
  return rc;
}
