"""GOV.UK Frontend's built files, copied from npm into grants/static/govuk by ``make assets``.

The stylesheet refers to its fonts and images under ``/assets/``, so they are served there.
"""

from pathlib import Path

from flask import Blueprint

GOVUK_DIR = Path(__file__).resolve().parent.parent / "static" / "govuk"  # grants/static/govuk

assets_bp = Blueprint("assets", __name__, static_folder=str(GOVUK_DIR), static_url_path="/assets")
