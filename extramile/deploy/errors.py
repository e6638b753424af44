"""The one exception deployers see: its message says what to fix."""


class DeployError(Exception):
    """A problem the deployer can fix; the message says how."""
