"""Version-specific Odoo names, in one table: everything else asks the dialect."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class UnsupportedOdooVersion(ValueError):
    """The server's Odoo version has no entry in DIALECTS."""


@dataclass(frozen=True)
class OdooDialect:
    major: int
    sale_line_tax_field: str
    storable_product: dict[str, Any] = field(default_factory=dict)
    service_product: dict[str, Any] = field(default_factory=dict)
    # 18 deprecates check_access_rights (it logs a warning) in favour of has_access.
    uses_has_access: bool = True


DIALECTS = {
    # Verified on a real Odoo 18 (shared/odoo18-external-api.md).
    18: OdooDialect(
        major=18,
        sale_line_tax_field="tax_id",
        storable_product={"type": "consu", "is_storable": True},
        service_product={"type": "service"},
        uses_has_access=True,
    ),
    # Odoo 17: storable products are type 'product'; has_access does not exist yet.
    17: OdooDialect(
        major=17,
        sale_line_tax_field="tax_id",
        storable_product={"type": "product"},
        service_product={"type": "service"},
        uses_has_access=False,
    ),
}


def major_version(server_version: str) -> int | None:
    head = server_version.split(".", 1)[0].rsplit("~", 1)[-1]
    return int(head) if head.isdigit() else None


def dialect_for(server_version: str) -> OdooDialect:
    major = major_version(server_version)
    if major not in DIALECTS:
        supported = " and ".join(str(v) for v in sorted(DIALECTS))
        raise UnsupportedOdooVersion(
            f"Odoo {server_version} is not supported: Synco works with Odoo {supported}."
        )
    return DIALECTS[major]
