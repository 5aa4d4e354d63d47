"""The variables rules may read besides the item's form: licence data and predicates.

Licence types and their fields are the e-licence library's (``domain.licences.types``);
predicates are the yes/no answers the personal data space gives instead of the underlying data
(最小必要, minimal disclosure; ``domain.data_space.predicates``), plus the service's own.
"""

from __future__ import annotations

from collections.abc import Iterable

from tongban.domain.rules.expressions import Vocabulary

SERVICE_PREDICATES = ("scope_clear_of_negative_list", "no_pending_application")
"""Predicates the smart-approval service computes itself: the negative list screen of the
form's business scope, and whether the applicant has another application for the same item
awaiting a decision."""


def licence_fields() -> dict[str, frozenset[str]]:
    """Licence type → its fields, from the e-licence library's registry."""
    from tongban.domain.licences.types import LICENCE_TYPES as REGISTRY

    return {t.code: frozenset(f.name for f in t.fields) for t in REGISTRY}


def vocabulary(
    form_fields: Iterable[str],
    *,
    predicates: Iterable[str] | None = None,
) -> Vocabulary:
    """The vocabulary of one item's rule set."""
    if predicates is None:
        from tongban.domain.data_space.predicates import PREDICATES

        predicates = (*PREDICATES, *SERVICE_PREDICATES)
    return Vocabulary(
        form=frozenset(form_fields),
        data=licence_fields(),
        predicates=frozenset(predicates),
    )
