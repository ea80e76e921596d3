/*
 * loadgen — hold N established loopback TCP connections (2N sockets) spread
 * over K processes, for `npm run bench` (bench/run.js). Each worker process
 * listens on its own ephemeral port of 127.0.0.1 and connects to itself
 * count times from 127.0.W.x source addresses (IP_BIND_ADDRESS_NO_PORT, so
 * ports are picked per 4-tuple), accepting each connection at once: the
 * worker holds both ends. As each worker gets ready the parent prints
 * "LISTEN <pid> <port>" (the worker's pid and listening port); when every
 * worker is ready, "READY <sockets>", then it waits for SIGTERM/SIGINT (or
 * -t seconds) and kills the workers. Meant to run in a private network
 * namespace.
 *
 *   loadgen -n CONNECTIONS -k PROCESSES [-t LIFETIME_SECONDS]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

static void die(const char *what) {
  fprintf(stderr, "loadgen: %s: %s\n", what, strerror(errno));
  exit(1);
}

/* Room for both ends of every connection plus a few descriptors. */
static void raise_fd_limit(long sockets) {
  struct rlimit limit = {(rlim_t)sockets + 64, (rlim_t)sockets + 64};
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) die("setrlimit(RLIMIT_NOFILE)");
}

static void worker(int index, long count, int ready_fd) {
  prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the parent */
  raise_fd_limit(2 * count);
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener < 0) die("socket");
  struct sockaddr_in server = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (bind(listener, (struct sockaddr *)&server, sizeof server) != 0) die("bind listener");
  if (listen(listener, 128) != 0) die("listen");
  socklen_t length = sizeof server;
  if (getsockname(listener, (struct sockaddr *)&server, &length) != 0) die("getsockname");

  for (long i = 0; i < count; i++) {
    int client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (client < 0) die("socket");
    int one = 1;
    if (setsockopt(client, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one) != 0) die("IP_BIND_ADDRESS_NO_PORT");
    /* 127.0.<worker>.<1..250>: plenty of 4-tuples for every worker. */
    struct sockaddr_in source = {.sin_family = AF_INET};
    source.sin_addr.s_addr = htonl((127u << 24) | ((unsigned)(index % 256) << 8) | (unsigned)(1 + i % 250));
    if (bind(client, (struct sockaddr *)&source, sizeof source) != 0) die("bind client");
    if (connect(client, (struct sockaddr *)&server, sizeof server) != 0) die("connect");
    if (accept4(listener, NULL, NULL, SOCK_CLOEXEC) < 0) die("accept");
  }
  /* One pipe write of 8 bytes (< PIPE_BUF): atomic, never interleaved with another worker's. */
  int32_t ready[2] = {(int32_t)getpid(), (int32_t)ntohs(server.sin_port)};
  if (write(ready_fd, ready, sizeof ready) != (ssize_t)sizeof ready) die("write ready");
  close(ready_fd);
  for (;;) pause();
}

static volatile sig_atomic_t stop;
static void on_signal(int signal_number) { (void)signal_number; stop = 1; }

int main(int argc, char **argv) {
  long connections = 1000, processes = 50, lifetime = 3600;
  int option;
  while ((option = getopt(argc, argv, "n:k:t:")) != -1) {
    if (option == 'n') connections = atol(optarg);
    else if (option == 'k') processes = atol(optarg);
    else if (option == 't') lifetime = atol(optarg);
    else {
      fprintf(stderr, "usage: loadgen -n CONNECTIONS -k PROCESSES [-t LIFETIME_SECONDS]\n");
      return 2;
    }
  }
  if (connections < 0 || processes < 1 || processes > 4096 || lifetime < 1) {
    fprintf(stderr, "loadgen: bad arguments\n");
    return 2;
  }
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) != 0) die("pipe");
  pid_t *workers = calloc((size_t)processes, sizeof *workers);
  if (workers == NULL) die("calloc");
  for (long w = 0; w < processes; w++) {
    long count = connections / processes + (w < connections % processes ? 1 : 0);
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
      close(ready[0]);
      worker((int)w, count, ready[1]);
    }
    workers[w] = pid;
  }
  close(ready[1]);

  struct sigaction action = {.sa_handler = on_signal};
  sigaction(SIGTERM, &action, NULL);
  sigaction(SIGINT, &action, NULL);
  sigaction(SIGALRM, &action, NULL);
  alarm((unsigned)lifetime);

  int status = 0;
  for (long got = 0; got < processes && !stop;) {
    int32_t message[2];
    ssize_t n = read(ready[0], message, sizeof message);
    if (n == (ssize_t)sizeof message) {
      printf("LISTEN %d %d\n", (int)message[0], (int)message[1]);
      got++;
    } else if (n > 0) {
      fprintf(stderr, "loadgen: short read (%zd bytes) from the ready pipe\n", n);
      status = 1;
      break;
    } else if (n == 0 || errno != EINTR) {
      fprintf(stderr, "loadgen: a worker failed before it was ready\n");
      status = 1;
      break;
    }
  }
  if (status == 0 && !stop) {
    printf("READY %ld\n", 2 * connections);
    fflush(stdout);
    while (!stop) pause();
  }
  for (long w = 0; w < processes; w++) kill(workers[w], SIGKILL);
  while (wait(NULL) > 0) {
  }
  free(workers);
  return status;
}
