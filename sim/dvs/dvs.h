/* dvs.h: streaming readers of event-camera (DVS) recordings: AEDAT 2.0/3.1/4.0,
 * N-MNIST/N-Caltech101 binary, Prophesee EVT 2.0, EVT 3.0 and DAT, plain or
 * gzip-compressed, and the HDF5 events nmsim dvs convert writes. A reader holds
 * a fixed-size window of the file (HDF5: a batch of events), never the file. */
#ifndef NMSIM_SIM_DVS_H
#define NMSIM_SIM_DVS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/base/sim_int.h"

/* X-macro: every format, its name (CLI, scenario files) and its description.
 * ORDER is the enum order after DVS_AUTO. */
#define DVS_FORMAT_MAP(X)                                                        \
  X(AEDAT2, "aedat2", "AEDAT 2.0 (jAER)", dvs_aedat2_ops)                        \
  X(AEDAT3, "aedat3", "AEDAT 3.1 (cAER/libcaer)", dvs_aedat3_ops)                \
  X(AEDAT4, "aedat4", "AEDAT 4.0 (iniVation DV)", dvs_aedat4_ops)                \
  X(NMNIST, "nmnist", "N-MNIST/N-Caltech101 binary", dvs_nmnist_ops)             \
  X(EVT2, "evt2", "Prophesee RAW EVT 2.0", dvs_evt2_ops)                         \
  X(EVT3, "evt3", "Prophesee RAW EVT 3.0", dvs_evt3_ops)                         \
  X(DAT, "dat", "Prophesee DAT", dvs_dat_ops)                                   \
  X(H5, "h5", "HDF5 events (nmsim dvs convert)", dvs_h5_ops)

typedef enum dvs_format {
  DVS_AUTO = 0, /* detect from the file's header */
#define DVS_X_ENUM(id, name, desc, ops) DVS_##id,
  DVS_FORMAT_MAP(DVS_X_ENUM)
#undef DVS_X_ENUM
  DVS_FORMAT_END
} dvs_format;

/* One event. Coordinates are the raw ones the format stores (no axis flips);
 * p is 1 for ON (brightness up), 0 for OFF, whatever the format's encoding.
 * t_us is the timestamp in microseconds in the recording's own timebase
 * (relative to the device start, or the Unix epoch for AEDAT 4.0), unwrapped
 * to 64 bits. See docs/dvs.md for the conventions of each format. */
typedef struct dvs_event {
  int64_t t_us;
  uint16_t x, y;
  uint8_t p;
} dvs_event;

/* What the header says. */
typedef struct dvs_info {
  dvs_format format;
  uint32_t width, height; /* sensor size stated or implied by the header; 0 if unknown */
  char sensor[64];        /* camera or chip named by the header; "" if none */
  bool gzip;              /* the file is gzip-compressed (offsets are then in the
                             decompressed data) */
  uint64_t data_offset;   /* byte offset of the first byte after the header */
} dvs_info;

/* Summary of a whole recording (dvs_scan). t_first/t_last are in file order. */
typedef struct dvs_stats {
  uint64_t events, on, off;
  int64_t t_first, t_last, t_min, t_max; /* 0 when there are no events */
  uint16_t x_min, x_max, y_min, y_max;   /* 0 when there are no events */
  uint64_t backsteps;                    /* events earlier than the one before them */
} dvs_stats;

typedef struct dvs_reader dvs_reader;

/* Open path (read through zlib, so a gzip-compressed file is decompressed
 * transparently) as format fmt, or DVS_AUTO to detect it from the header; the
 * header is read at once. On success *out owns the reader (dvs_close).
 * NMSIM_EIO if the file cannot be read, NMSIM_EFORMAT with "PATH: at byte N:
 * what" if it is not a valid file of the format, among them a file whose
 * header declares another format than fmt ("PATH: at byte 0: format evt3 was
 * named, but the file's header says evt2 (...)"; see dvs_header_format); on
 * failure *out is NULL. */
nmsim_status dvs_open(const char *path, dvs_format fmt, dvs_reader **out, nmsim_err *err);
/* The format the header of path declares, as DVS_AUTO would detect it, in
 * *declared; DVS_AUTO if the file's first bytes name no format: the headerless
 * formats (N-MNIST, RAW EVT words without their '%' header), and headers that
 * dvs_open refuses whatever the format (an unsupported AEDAT version, EVT 2.1).
 * For callers that name a format to say in their own terms that it disagrees
 * with the file (dvs_open refuses it anyway). Reads the header only. On a
 * read error fails as dvs_open does (NMSIM_EIO, NMSIM_EFORMAT for corrupt
 * gzip data, NMSIM_ENOMEM), *declared being DVS_AUTO. */
nmsim_status dvs_header_format(const char *path, dvs_format *declared, nmsim_err *err);
/* Same over len bytes at data (not gzip), named name in messages. data must
 * outlive the reader. */
nmsim_status dvs_open_mem(const char *name, const void *data, size_t len, dvs_format fmt,
                          dvs_reader **out, nmsim_err *err);
/* Decode the next events into ev[0..cap), cap >= 1. Returns NMSIM_OK with
 * *n >= 1 events, or *n == 0 at the end of the recording; NMSIM_EFORMAT (the
 * byte offset in the message) or NMSIM_EIO on bad data. An error met after
 * some events were decoded is returned by the next call, so every event
 * before the bad byte is delivered. After an error every call fails again. */
nmsim_status dvs_read(dvs_reader *r, dvs_event *ev, size_t cap, size_t *n, nmsim_err *err);
/* Go back to the first event (re-reading the header). On failure the reader
 * only fails afterwards. */
nmsim_status dvs_rewind(dvs_reader *r, nmsim_err *err);
const dvs_info *dvs_reader_info(const dvs_reader *r);
/* Name the reader uses in messages (the path). */
const char *dvs_reader_name(const dvs_reader *r);
/* Accepts NULL. */
void dvs_close(dvs_reader *r);

/* Read every remaining event and summarise them. */
nmsim_status dvs_scan(dvs_reader *r, dvs_stats *st, nmsim_err *err);

/* "evt2"; "auto" for DVS_AUTO; "?" if out of range. */
const char *dvs_format_name(dvs_format f);
/* "Prophesee RAW EVT 2.0". */
const char *dvs_format_desc(dvs_format f);
/* Format by name ("auto" gives DVS_AUTO); false if unknown. */
bool dvs_format_parse(const char *name, dvs_format *out);
/* "auto, aedat2, aedat3, ..." for messages. */
const char *dvs_format_names(void);

#endif
