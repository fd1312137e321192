"""Minimal Django project for the gunicorn end-to-end test (tests/django/gunicorn_e2e.py).

The database is the JSON in $E2E_DATABASE (a DATABASES["default"] entry)."""

import json
import os

SECRET_KEY = "e2e-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "e2e_project.urls"
INSTALLED_APPS = ["e2e_project"]
MIDDLEWARE = []
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
DATABASES = {"default": json.loads(os.environ["E2E_DATABASE"])}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "loggers": {"django": {"handlers": ["stderr"], "level": "WARNING"}},
}
