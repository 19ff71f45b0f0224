"""``python -m newsloom.cli``, as ``python -m newsloom``."""

import sys

from newsloom.cli import main

sys.exit(main())
