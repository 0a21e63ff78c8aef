/* bench_mpi_ping.c: the message costs behind the MPI projection of the README:
 * ping-pong latency (alpha) and bandwidth (beta) between two ranks, and the
 * latency of an 8-word all-reduce (the per-window reduction of a partitioned
 * run). Built and run by tests/bench/bench_mpi.sh with mpicc, on 2 ranks. */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double pingpong(int rank, size_t bytes, int reps) {
  char *buf = calloc(bytes ? bytes : 1, 1);
  MPI_Barrier(MPI_COMM_WORLD);
  double t0 = MPI_Wtime();
  for (int i = 0; i < reps; i++) {
    if (rank == 0) {
      MPI_Send(buf, (int)bytes, MPI_BYTE, 1, 0, MPI_COMM_WORLD);
      MPI_Recv(buf, (int)bytes, MPI_BYTE, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else if (rank == 1) {
      MPI_Recv(buf, (int)bytes, MPI_BYTE, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      MPI_Send(buf, (int)bytes, MPI_BYTE, 0, 0, MPI_COMM_WORLD);
    }
  }
  double t = (MPI_Wtime() - t0) / (2.0 * reps); /* one way */
  free(buf);
  return t;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (size < 2) {
    if (rank == 0) fprintf(stderr, "bench_mpi_ping: run on 2 ranks\n");
    MPI_Finalize();
    return 2;
  }
  pingpong(rank, 8, 1000); /* warm up */
  double alpha = pingpong(rank, 8, 20000);
  size_t big = (size_t)1 << 22;
  double tb = pingpong(rank, big, 50);
  uint64_t v[8] = {0}, w[8];
  MPI_Barrier(MPI_COMM_WORLD);
  double t0 = MPI_Wtime();
  int reps = 20000;
  for (int i = 0; i < reps; i++) MPI_Allreduce(v, w, 8, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
  double ar = (MPI_Wtime() - t0) / reps;
  if (rank == 0)
    printf("alpha_us %.3f\nbeta_GBps %.3f\nallreduce_us %.3f\n", alpha * 1e6,
           (double)big / (tb - alpha) / 1e9, ar * 1e6);
  MPI_Finalize();
  return 0;
}
