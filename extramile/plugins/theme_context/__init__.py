from .theme_context import register  # noqa: F401
