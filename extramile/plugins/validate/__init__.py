from .validate import register  # noqa: F401
