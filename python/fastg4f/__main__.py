"""``python -m fastg4f``: the command line."""

import sys

from fastg4f.cli import main

if __name__ == "__main__":
    sys.exit(main())
