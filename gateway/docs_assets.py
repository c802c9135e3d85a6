"""The interactive API page's scripts and styles, served by the gateway itself.

County networks are often closed to the internet, so the page at
``/api/v1/docs`` must not load swagger-ui from a CDN. The files are swagger-ui's
own distribution as the pinned ``flask-swagger-ui`` package ships it; only its
``dist`` folder is used (flask-smorest renders the page), and only the files
that page asks for are served, so nothing else in the package becomes a route.
"""
from pathlib import Path

import flask_swagger_ui
from flask import abort, send_from_directory

from gateway import auth

ASSETS_PATH = "/api/v1/docs/assets/"
DIST = Path(flask_swagger_ui.__file__).resolve().parent / "dist"
# What flask-smorest's swagger_ui.html loads, and the page's icons.
SERVED = frozenset({
    "swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js",
    "favicon-16x16.png", "favicon-32x32.png",
})
# The files change only with the pinned package: browsers may keep them a day.
MAX_AGE = 24 * 3600


def asset(filename):
    if filename not in SERVED:
        abort(404)
    response = send_from_directory(DIST, filename, max_age=MAX_AGE)
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return response


def register(app):
    app.add_url_rule(f"{ASSETS_PATH}<filename>", "docs_asset", auth.open_route(asset))
