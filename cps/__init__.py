"""CPS, the Civic Participation System."""

__version__ = "0.1.0"
