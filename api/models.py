"""Per-shop API keys: created, named and revoked by the merchant on Settings; only a hash is stored."""

from __future__ import annotations

from django.db import models

from synco.models import Shop


class ApiKey(models.Model):
    class Scope(models.TextChoices):
        READ = "read", "Read"
        WRITE = "write", "Read and write"

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    # The key's public part, shown in lists ("synco_ab12cd34…") and used to find the row; the rest is secret.
    prefix = models.CharField(max_length=16, unique=True)
    # SHA-256 of the whole key: the key is 256 random bits, so a fast hash is enough (no password stretching).
    key_hash = models.CharField(max_length=64)
    scope = models.CharField(max_length=5, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=255, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.WRITE
