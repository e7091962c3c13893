"""The base of every response model: typed, serializable views that are also the
API's response schemas. Each domain package keeps its own models in its
`views.py` (cps/services/<domain>/views.py)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class View(BaseModel):
    model_config = ConfigDict(from_attributes=True)
