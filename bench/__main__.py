"""`python -m bench` (or `make bench`): run every benchmark, print the table, save the figures."""

from __future__ import annotations

import sys

from bench.runner import main

sys.exit(main())
