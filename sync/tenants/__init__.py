"""Many portal–org pairs: a schema per tenant in one PostgreSQL store, and Celery workers that
run one tenant's cycle per task (``sync/tenants/store.py``, ``app.py``, ``tasks.py``,
``scheduler.py``)."""
