"""`python -m s3mock`."""

import sys

from s3mock.cli import main

sys.exit(main())
