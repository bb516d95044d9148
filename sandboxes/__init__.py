"""Local stand-ins for Shopify and Odoo, reached over real HTTP by the real client libraries.

Development and tests only: not part of the installed product (`pip install .` leaves it out), and nothing in
synco/, orders/, customers/, products/ or synclogs/ imports it (`lint-imports` checks). Settings add it as a
Django app, for `manage.py seed_demo`, when it is importable (a source checkout) outside production.
"""
