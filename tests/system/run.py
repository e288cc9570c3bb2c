#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Runs the whole-system tests: `run.py [NAME-SUBSTRING...]`."""
import sys

import harness
import test_boot  # noqa: F401  (registers tests)
import test_console  # noqa: F401
import test_linux  # noqa: F401
import test_pg  # noqa: F401
import test_platform  # noqa: F401
import test_sched  # noqa: F401
import test_uefi  # noqa: F401
import test_vms  # noqa: F401
import test_vtd  # noqa: F401

if __name__ == "__main__":
    sys.exit(harness.main(sys.argv[1:]))
