"""bench/catalogue_import.py --quick: a full product import (20 x 5) through both sandboxes, run as the bench runs.

The bench starts both sandboxes as processes and takes ~20 s (Django's migrations included): marked e2e."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.e2e
def test_quick_catalogue_bench_imports_and_prints_its_figures(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["SYNCO_VAR_DIR"] = str(tmp_path)  # its own SQLite database, never the developer's
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "catalogue_import.py"), "--quick"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "20 products x 5 variants = 100 variants in the Shopify sandbox" in out
    first, second = out.split("== second import, nothing changed ==")
    assert "created 100, linked 0, updated 0, unchanged 0, failed 0" in first
    assert re.search(r"elapsed [\d.]+ s in \d+ task steps; Shopify bulk-operation floor [\d.]+ s", first)
    calls = re.search(r"Odoo calls: (\d+) in all = [\d.]+ per 100 variants; attribute setup (\d+)", first)
    assert calls and int(calls[1]) > int(calls[2]) > 0
    assert re.search(r"Odoo write calls: [1-9]\d* \(", first)  # the first run wrote
    assert re.search(r"tracemalloc peak [\d.]+ MB, RSS growth [\d.]+ MB", first)
    assert "created 0, linked 0, updated 0, unchanged 100, failed 0" in second
    assert "Odoo write calls: 0\n" in second
    assert (
        "read back: 20 product.template with Synco's external ids (expected 20), "
        "100 product.product with the SKUs (expected 100), 100 variants on those templates" in second
    )
    assert "OK: 100 variants imported" in out
