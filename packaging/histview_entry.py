"""The desktop bundle's entry point: the same command line as the installed ``histview``."""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main())
