// ownerwalk — the owner walk's costs here, phase by phase: the BPF walk's
// set-up (BTF mapped and parsed, program loaded: verifier and JIT), a whole
// BPF walk (the first after loading and another), against the /proc walk on
// one and two threads. Medians of ROUNDS (default 21), in ms; run as root,
// in the namespace to measure (e.g. `unshare --pid --fork --mount-proc`
// for a small one). Build: `make -C bench ownerwalk`.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "../native/bpf_owners.h"
#include "../native/errors.h"

namespace {

double Now() { return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  using namespace netstat;
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 21;
  if (rounds < 1) {
    std::fprintf(stderr, "usage: ownerwalk [ROUNDS]\n");
    return 2;
  }
  std::vector<double> btf, load, first, again, proc1, proc2;
  size_t rows = 0;
  OwnerScanRequest request;
  request.proc_root = "/proc";
  request.check_denied = false;
  try {
    for (int round = 0; round < rounds; ++round) {
      const double t0 = Now();
      BpfOwnerLayout layout;
      FindOwnerLayout(&layout);
      const double t1 = Now();
      Fd program = LoadOwnerProgram(layout);
      const double t2 = Now();
      rows = WalkOwnerProgram(program.get(), request).inodes.size();
      const double t3 = Now();
      WalkOwnerProgram(program.get(), request);
      const double t4 = Now();
      request.threads = 1;
      ScanOwners(request);
      const double t5 = Now();
      request.threads = 2;
      ScanOwners(request);
      const double t6 = Now();
      btf.push_back(t1 - t0);
      load.push_back(t2 - t1);
      first.push_back(t3 - t2);
      again.push_back(t4 - t3);
      proc1.push_back(t5 - t4);
      proc2.push_back(t6 - t5);
    }
  } catch (const SystemError& error) {
    std::fprintf(stderr, "ownerwalk: %s (%s, errno %d)\n", error.what(), error.syscall().c_str(), error.error_number());
    return 1;
  }
  std::printf("medians of %d, ms: BTF %.2f, load %.2f, BPF walk %.2f (loaded: %.2f) | /proc walk 1 thread %.2f, 2 threads %.2f | %zu rows\n", rounds,
              Median(btf), Median(load), Median(first), Median(again), Median(proc1), Median(proc2), rows);
  return 0;
}
