from .subscribe import register  # noqa: F401
