"""The only code that talks to Shopify."""
