"""Named errors raised at the package's edges, each with a message a user can act on."""


class MathDashError(Exception):
    """Base class: every error the package raises on purpose."""


class DatasetError(MathDashError):
    """A dataset source cannot be read as a whole (missing, wrong layout, no usable image)."""


class ArtifactError(MathDashError):
    """A saved run, model or config is missing, incomplete or of the wrong version."""


class ConfigError(MathDashError, ValueError):
    """A configuration value is out of range or of the wrong type."""
