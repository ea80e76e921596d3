/*
 * measure — run one command and report what it cost, for `npm run bench`
 * (bench/run.js): wall time from fork to reaping, user and system CPU time,
 * and peak resident set size (ru_maxrss from wait4: the command's own
 * high-water mark, including its threads; the pre-exec copy of this tiny
 * program is ~1 MB and never the peak of a real command). The command keeps
 * stdin/stdout/stderr; the report goes to file descriptor 3, which the
 * command does not inherit:
 *
 *   measure COMMAND [ARGS...]   3> report
 *   report: "<wall_ns> <user_us> <sys_us> <maxrss_kb> <status>\n"
 *   status: the exit code, or 128 + signal number
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: measure COMMAND [ARGS...] 3>REPORT\n");
    return 2;
  }
  if (fcntl(3, F_SETFD, FD_CLOEXEC) != 0) {
    fprintf(stderr, "measure: file descriptor 3 (the report) is not open\n");
    return 2;
  }
  struct timespec start, end;
  clock_gettime(CLOCK_MONOTONIC, &start);
  pid_t pid = fork();
  if (pid < 0) {
    perror("measure: fork");
    return 2;
  }
  if (pid == 0) {
    execvp(argv[1], argv + 1);
    fprintf(stderr, "measure: %s: %s\n", argv[1], strerror(errno));
    _exit(127);
  }
  int status;
  struct rusage usage;
  while (wait4(pid, &status, 0, &usage) < 0) {
    if (errno != EINTR) {
      perror("measure: wait4");
      return 2;
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &end);
  long long wall = (long long)(end.tv_sec - start.tv_sec) * 1000000000LL + (end.tv_nsec - start.tv_nsec);
  long long user = (long long)usage.ru_utime.tv_sec * 1000000LL + usage.ru_utime.tv_usec;
  long long sys = (long long)usage.ru_stime.tv_sec * 1000000LL + usage.ru_stime.tv_usec;
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  dprintf(3, "%lld %lld %lld %ld %d\n", wall, user, sys, usage.ru_maxrss, code);
  return code;
}
