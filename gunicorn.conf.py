"""gunicorn settings of the web process (Procfile, deploy): env-driven like the rest of Synco."""

from __future__ import annotations

import os

workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
