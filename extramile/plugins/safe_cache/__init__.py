from .safe_cache import register  # noqa: F401
