"""材料秒报: which e-licence type supplies which required material.

An item's material may name its licence type (``Material.licence_type``); otherwise its name
is matched against this table, most specific words first.
"""

from __future__ import annotations

from collections.abc import Collection

from tongban.domain.catalogue.model import Material

MATERIAL_LICENCE_TYPES: tuple[tuple[str, str], ...] = (
    ("食品经营许可", "food_permit"),
    ("营业执照", "business_licence"),
    ("不动产权", "property"),
    ("房产证", "property"),
    ("房屋所有权", "property"),
    ("结婚证", "marriage"),
    ("婚姻", "marriage"),
    ("户口簿", "hukou"),
    ("户口本", "hukou"),
    ("户籍证明", "hukou"),
    ("居住证", "residence_permit"),
    ("出生医学证明", "birth_certificate"),
    ("出生证", "birth_certificate"),
    ("生育登记", "birth_registration"),
    ("社保参保", "social_insurance"),
    ("参保证明", "social_insurance"),
    ("老年人优待证", "senior_card"),
    ("优待证", "senior_card"),
    ("高龄津贴", "longevity_allowance"),
    ("身份证", "id_card"),
    ("身份证明", "id_card"),
)
"""(words in the material's name, licence type code), checked in order."""

TRUST_FROM_LICENCE = "A"
"""A material taken from the e-licence library was issued by the implementing agency."""


def licence_type_for(material: Material, known: Collection[str] = ()) -> str | None:
    """The licence type that can stand in for ``material``, if any: its ``licence_type`` when
    that is a known code, else the type its ``licence_type`` or its name speaks of.  None for
    a material asked only of an agent: the applicant's licences never prove who the agent is
    (受托人身份证件 names an ID card, but the agent's, not the applicant's)."""
    if material.only_by_agent:
        return None
    if material.licence_type and material.licence_type in known:
        return material.licence_type
    if material.licence_type:
        found = licence_type_for_name(material.licence_type)
        if found is not None:
            return found
    return licence_type_for_name(material.name)


def licence_type_for_name(name: str) -> str | None:
    for words, type_code in MATERIAL_LICENCE_TYPES:
        if words in name:
            return type_code
    return None
