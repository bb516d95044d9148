"""`python -m synco.sandbox.shopify --port 8701 --state var/sandbox/shopify.json`"""

from __future__ import annotations

import sys

from synco.sandbox.shopify.server import main

sys.exit(main())
