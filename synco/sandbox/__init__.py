"""Local stand-ins for Shopify and Odoo, reached over real HTTP by the real client libraries."""
