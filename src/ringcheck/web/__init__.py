"""The web face: server-rendered pages for people and a JSON API for tools.

>>> from ringcheck.web import create_app
>>> app = create_app()
"""

from ringcheck.web.app import app_from_env, create_app

__all__ = ["app_from_env", "create_app"]
