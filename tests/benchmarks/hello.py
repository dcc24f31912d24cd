"""A bare Flask hello, served by gunicorn beside Grants in the page benchmark (``bench_pages``): what
``/healthz`` is measured against. One route and nothing else: no extensions, hooks or configuration.

    gunicorn --workers 2 tests.benchmarks.hello:app
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return {"status": "ok"}
