"""The merchant pages outside the orders and log apps: home (dashboard), settings, login and shop switch."""
