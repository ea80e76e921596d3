#!/usr/bin/env python3
"""Open the differential suite's namespace by hand, to look at a failing case:

  sudo unshare --net --mount --pid --fork --mount-proc --propagation private \\
      python3 test/scenario/shell.py [COMMAND ...]

Builds the environment and the differential socket scenario, then runs COMMAND (default: an
interactive bash) in it, e.g. `bash -c 'diff <(netstat -tanp) <(node dist/cli.js -tanp)'`. The
TIME_WAIT row of the scenario disappears after 60 s here (the suite's runner re-creates it).
"""
import os
import subprocess
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import build  # noqa: E402
import differential  # noqa: E402
import environment  # noqa: E402

environment.setup()
differential.build(scratch=environment.SCRATCH)
status = subprocess.call(sys.argv[1:] or ["bash", "-i"])
build.stop()
sys.exit(status)
