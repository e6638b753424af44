from .feeds import register  # noqa: F401
