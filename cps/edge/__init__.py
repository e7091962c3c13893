"""What every edge shares: how a caller proves who they are, and the error envelope.

The edges (`cps.http` for the API and pages, `cps.live` for /ws, `cps.cli`)
import these; no edge imports another.
"""
