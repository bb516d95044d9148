"""gunicorn settings of the web process (Procfile, README's deploy, bench/webhooks.py), from the environment.

Threads, not only processes: a request waiting for PostgreSQL (a webhook's commit) lets another one run, and
webhooks arriving together share one INSERT and one commit (synco/shopify_app/webhooks.py).
"""

from __future__ import annotations

import os

workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
# The access log never holds an ID token, an HMAC, an OAuth code or a credential header (synco/access_log.py).
logger_class = "synco.access_log.RedactingLogger"
