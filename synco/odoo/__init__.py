"""The only code that talks to Odoo."""
