"""Extensions are created unbound here and bound to the application in ``create_app``."""

from typing import TYPE_CHECKING

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from govuk_frontend_wtf.main import WTFormsHelpers

from grants.core.db import Base

db = SQLAlchemy(model_class=Base)
# Models subclass ``Model``: Flask-SQLAlchemy's ``db.Model`` when running, which a type checker cannot
# see through, so it is shown the declarative base that ``db.Model`` extends.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
wtforms_helpers = WTFormsHelpers()
