"""A local Shopify Admin API (GraphQL, version 2026-10) for development and tests."""
