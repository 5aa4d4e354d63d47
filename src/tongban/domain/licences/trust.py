"""Trust levels of a material (证照可信等级): how far a case may rely on it without checking."""

from __future__ import annotations

from enum import StrEnum


class TrustLevel(StrEnum):
    """A: issued by the implementing agency, usable as is; D: the applicant's own word."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"

    @property
    def label(self) -> str:
        return TRUST_LABELS[self]

    @property
    def needs_checking(self) -> bool:
        """Levels C and D must be checked by staff before a decision relies on them."""
        return self in (TrustLevel.C, TrustLevel.D)


TRUST_LABELS: dict[TrustLevel, str] = {
    TrustLevel.A: "A 级：由实施机关签发的电子证照，可直接使用",
    TrustLevel.B: "B 级：经工作人员核验的材料",
    TrustLevel.C: "C 级：申请人上传的材料，须核验",
    TrustLevel.D: "D 级：申请人自行声明（告知承诺）",
}
