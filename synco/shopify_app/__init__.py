"""The Shopify app surface: install, embedded (ID token) auth, webhook intake, webhook handlers and their tasks."""
