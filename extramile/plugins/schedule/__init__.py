from .schedule import register  # noqa: F401
