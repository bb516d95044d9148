"""A local Odoo (17, 18 or 19) that answers XML-RPC and JSON-RPC like the real one (see the shared API notes)."""

from __future__ import annotations

from .seed import DEFAULT_API_KEY
from .server import OdooSandboxServer, make_server, start_in_thread

__all__ = ["DEFAULT_API_KEY", "OdooSandboxServer", "make_server", "start_in_thread"]
