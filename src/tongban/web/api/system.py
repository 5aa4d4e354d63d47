"""Who am I: the signed-in principal as the API sees it."""

from __future__ import annotations

from fastapi import APIRouter

from tongban.web.api.auth import PrincipalOut
from tongban.web.deps import SignedIn

router = APIRouter(tags=["system"])


@router.get("/me", response_model=PrincipalOut, summary="当前登录用户")
def me(principal: SignedIn) -> PrincipalOut:
    return PrincipalOut.of(principal)
