"""Path parameters shared by the routes (FastAPI's `Path`, kept out of `adapters.fields` so that
the command line, which reads events with those fields, does not import FastAPI)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from stockout.adapters.fields import MAX_ROW_ID

PathId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="a stored row's id")]
