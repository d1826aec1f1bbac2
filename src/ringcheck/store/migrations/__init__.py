"""The schema's migrations, run by Alembic (``ringcheck.store.engine``)."""

# The newest revision in versions/ (a test checks it against Alembic's head): a database
# at this revision is read without Alembic (``engine.ensure_schema``, ``store.quick``).
HEAD_REVISION = "0004"
