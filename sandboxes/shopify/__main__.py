"""`python -m sandboxes.shopify --port 8701 --state var/sandbox/shopify.json`"""

from __future__ import annotations

import sys

from sandboxes.shopify.server import main

sys.exit(main())
