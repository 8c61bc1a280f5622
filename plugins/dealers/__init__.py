"""Dealer relationship: the portal home, ABC contact schedule, scorecards, qualification. Hookimpls only."""
from __future__ import annotations
