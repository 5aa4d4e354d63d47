"""The online approval centre (网上审批中心): the shared queue and reviewer figures."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
