from .pictures import register  # noqa: F401
