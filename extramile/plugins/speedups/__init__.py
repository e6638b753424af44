from .speedups import register  # noqa: F401
