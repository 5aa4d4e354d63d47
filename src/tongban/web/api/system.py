"""Who am I: the signed-in principal as the API sees it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from tongban.domain.shared.masking import mask_id_number
from tongban.web.deps import SignedIn

router = APIRouter(tags=["system"])


@router.get("/me", summary="当前登录用户")
def me(principal: SignedIn) -> dict[str, Any]:
    return {
        "user_id": principal.user_id,
        "kind": principal.kind.value,
        "name": principal.name,
        "id_number": mask_id_number(principal.id_number) if principal.id_number else None,
        "credit_code": principal.credit_code,
        "roles": [
            {
                "role": a.role.value,
                "level": a.level.value,
                "centre": a.centre_code,
                "department": a.department_code,
            }
            for a in principal.roles
        ],
    }
