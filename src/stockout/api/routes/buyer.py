"""The buyer's side's route modules, joined to the app in one place."""

from __future__ import annotations

from stockout.api.routes import aftersales, answers, contact

MODULES = (answers, aftersales, contact)
