#!/usr/bin/env python3
"""Runs one socket scenario of this directory and holds it for a test:

    python3 test/scenario/main.py NAME [ARGS_JSON]

NAME is a module here with `build(**ARGS)`. Once everything is in place it prints one JSON
line, {"ready": DETAILS} (what `build` returned: ports, pids, ...), and holds the scenario until
its stdin ends (the test closed it, or died); then it kills its helper processes and exits.
"""
import importlib
import json
import os
import sys

sys.dont_write_bytecode = True   # no __pycache__ in the checkout (root writes it, nobody reads it)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import build  # noqa: E402

scenario = importlib.import_module(sys.argv[1])
details = scenario.build(**(json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}))
print(json.dumps({"ready": details if details is not None else {}}), flush=True)
sys.stdin.read()
build.stop()
