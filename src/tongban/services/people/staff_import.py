"""Onboarding a district's staff from a file: all or nothing, every bad row named.

A CSV (UTF-8, with or without BOM) or Excel (.xlsx, first sheet) file, one staff member a
row, with a header row naming the columns in Chinese or English:

| 账号 / username | 姓名 / name | 角色 / roles | 手机 / phone | 身份证号 / id_number |

(phone and id_number optional)

``roles`` lists one or more roles separated by ``;`` or ``，``: ``ROLE`` (the district),
``ROLE:DEPARTMENT`` (a department's code) or ``ROLE@CENTRE`` (a centre's code), e.g.
``clerk@C-GC; reviewer:SCJGJ``.  Every row is checked before anything is written; one bad row
stops the whole file (``ImportRejected`` with each error's row, column and reason).  Each new
account gets a random one-time password, returned once, to hand over in person.  A 居民身份证号
is checked like a citizen's (birth date, check digit), must not repeat among staff, and is kept
as personal data: shown masked, in audit entries too.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import select

from tongban.adapters.db.tables import centres, departments, users
from tongban.domain.catalogue.model import Level
from tongban.domain.errors import (
    DomainError,
    ImportRejected,
    InvalidIdentityNumber,
    ValidationFailed,
)
from tongban.domain.people.model import STAFF_ROLES, Role, RoleAssignment
from tongban.domain.shared.clock import china_date
from tongban.domain.shared.identity import parse_resident_id
from tongban.domain.shared.masking import mask_id_number
from tongban.services.people import accounts
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, atomic

HEADERS = {
    "username": "username",
    "账号": "username",
    "name": "name",
    "姓名": "name",
    "roles": "roles",
    "角色": "roles",
    "phone": "phone",
    "手机": "phone",
    "id_number": "id_number",
    "身份证号": "id_number",
    "居民身份证号": "id_number",
    "身份证号码": "id_number",
}
REQUIRED = ("username", "name", "roles")
MAX_ROWS = 5000
_SPLIT = re.compile(r"[;；,，]")


@dataclass(frozen=True)
class StaffRow:
    row: int
    username: str
    name: str
    roles: tuple[RoleAssignment, ...]
    phone: str
    id_number: str = ""


@dataclass(frozen=True)
class Created:
    user_id: int
    username: str
    one_time_password: str


def parse_roles(text: str) -> tuple[RoleAssignment, ...]:
    """``clerk@C-GC; reviewer:SCJGJ`` → role assignments; ``ValueError`` with the reason."""
    found = []
    for part in (p.strip() for p in _SPLIT.split(text)):
        if not part:
            continue
        name, _at, centre = part.partition("@")
        name, _colon, department = name.partition(":")
        try:
            role = Role(name.strip())
        except ValueError:
            raise ValueError(f"未知角色“{name.strip()}”") from None
        if role not in STAFF_ROLES:
            raise ValueError(f"“{role.value}”不是工作人员角色")
        found.append(
            RoleAssignment(
                role=role,
                level=Level.DISTRICT,
                centre_code=centre.strip().upper() or None,
                department_code=department.strip().upper() or None,
            )
        )
    if not found:
        raise ValueError("至少需要一个角色")
    return tuple(found)


def read_table(filename: str, content: bytes) -> list[dict[str, str]]:
    """The file's rows as {column: text}, by the header row; ``ImportRejected`` if unreadable."""
    name = filename.lower()
    try:
        if name.endswith(".xlsx"):
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
            raw = [
                ["" if v is None else str(v) for v in r] for r in sheet.iter_rows(values_only=True)
            ]
        elif name.endswith(".csv"):
            raw = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        else:
            raise ValueError("只接受 .csv 或 .xlsx 文件")
    except (ValueError, KeyError, OSError) as error:  # also a zip that is no workbook
        reason = str(error) if isinstance(error, ValueError) else "文件无法读取"
        raise ImportRejected([{"row": 0, "column": "", "message": reason}]) from None
    if not raw:
        raise ImportRejected([{"row": 0, "column": "", "message": "文件是空的"}])
    header = [HEADERS.get(h.strip().lower(), HEADERS.get(h.strip(), "")) for h in raw[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        message = "缺少列：" + "、".join(missing)
        raise ImportRejected([{"row": 1, "column": "", "message": message}])
    rows = [
        {key: (cells[i].strip() if i < len(cells) else "") for i, key in enumerate(header) if key}
        for cells in raw[1:]
        if any(c.strip() for c in cells)
    ]
    if len(rows) > MAX_ROWS:
        message = f"一次最多导入 {MAX_ROWS} 行"
        raise ImportRejected([{"row": 0, "column": "", "message": message}])
    return rows


def check_rows(
    conn: Any, rows: Sequence[dict[str, str]], today: date | None = None
) -> list[StaffRow]:
    """Every row checked against the rules and the database; ``ImportRejected`` with all the
    errors at once.  ``today`` bounds the birth dates of ID numbers."""
    errors: list[dict[str, Any]] = []
    known_centres = set(conn.execute(select(centres.c.code)).scalars())
    known_departments = set(conn.execute(select(departments.c.code)).scalars())
    taken = set(
        conn.execute(select(users.c.username).where(users.c.username.is_not(None))).scalars()
    )
    seen: dict[str, int] = {}
    taken_ids = set(
        conn.execute(
            select(users.c.staff_id_number).where(users.c.staff_id_number.is_not(None))
        ).scalars()
    )
    seen_ids: dict[str, int] = {}
    checked = []

    def error(row: int, column: str, message: str) -> None:
        errors.append({"row": row, "column": column, "message": message})

    for number, values in enumerate(rows, start=2):  # row 1 is the header
        before = len(errors)
        username = accounts.normalise_username(values.get("username", ""))
        try:
            accounts.check_username(username)
        except DomainError as problem:
            error(number, "username", next(iter(problem.fields.values()), problem.message))
        if username in taken:
            error(number, "username", f"账号 {username} 已存在")
        elif username in seen:
            error(number, "username", f"与第 {seen[username]} 行的账号重复")
        seen.setdefault(username, number)
        name = values.get("name", "").strip()
        if not name or len(name) > 100:
            error(number, "name", "请填写姓名（100 字以内）")
        roles: tuple[RoleAssignment, ...] = ()
        try:
            roles = parse_roles(values.get("roles", ""))
        except ValueError as problem:
            error(number, "roles", str(problem))
        for assignment in roles:
            if assignment.centre_code and assignment.centre_code not in known_centres:
                error(number, "roles", f"未知的服务中心 {assignment.centre_code}")
            if assignment.department_code and assignment.department_code not in known_departments:
                error(number, "roles", f"未知的部门 {assignment.department_code}")
        phone = values.get("phone", "").strip()
        if phone:
            try:
                phone = accounts.check_phone(phone)
            except DomainError as problem:
                error(number, "phone", next(iter(problem.fields.values()), problem.message))
        id_number = _id_number(values.get("id_number", ""), today, taken_ids, seen_ids, number)
        if isinstance(id_number, _Problem):
            error(number, "id_number", id_number.message)
        if len(errors) == before:
            checked.append(StaffRow(number, username, name, roles, phone, str(id_number)))
    if errors:
        raise ImportRejected(errors)
    return checked


@dataclass(frozen=True)
class _Problem:
    message: str


def _id_number(
    raw: str, today: date | None, taken: set[str], seen: dict[str, int], row: int
) -> str | _Problem:
    """The normalised 居民身份证号 of a row ('' when none), or what is wrong with it."""
    if not raw.strip():
        return ""
    try:
        number = parse_resident_id(raw, today=today).number
    except DomainError as problem:
        return _Problem(problem.message)
    if number in taken:
        return _Problem(f"身份证号 {mask_id_number(number)} 已属于另一名工作人员")
    if number in seen:
        return _Problem(f"与第 {seen[number]} 行的身份证号重复")
    seen[number] = row
    return number


def one_time_password() -> str:
    """Twelve characters of letters and digits (never digits only)."""
    while True:
        candidate = secrets.token_urlsafe(9)
        if not candidate.isdigit():
            return candidate


@atomic
def import_staff(uow: UnitOfWork, actor: Actor, rows: Sequence[dict[str, str]]) -> list[Created]:
    """Create every row's account with its roles, or none; returns the one-time passwords."""
    checked = check_rows(uow.conn, rows, china_date(actor.at))
    return [
        add_staff(uow, actor, r.username, r.name, r.roles, phone=r.phone, id_number=r.id_number)
        for r in checked
    ]


@atomic
def add_staff(
    uow: UnitOfWork,
    actor: Actor,
    username: str,
    name: str,
    roles: Iterable[RoleAssignment],
    *,
    phone: str = "",
    id_number: str = "",
) -> Created:
    """One staff account with a one-time password (returned once), to be replaced by its
    owner at the first sign-in; ``id_number`` a 居民身份证号, checked here."""
    password = one_time_password()
    number = ""
    if id_number.strip():
        try:
            number = parse_resident_id(id_number, today=china_date(actor.at)).number
        except DomainError as problem:
            raise InvalidIdentityNumber(
                problem.message, fields={"id_number": problem.message}
            ) from None
    user_id = accounts.create_staff(
        uow, actor, username, name, password, list(roles), must_change=True
    )
    if phone:
        accounts.set_phone(uow.conn, user_id, phone)
    if number:
        accounts.set_staff_id_number(uow.conn, actor, user_id, number)
    return Created(user_id, accounts.normalise_username(username), password)


def find_staff(conn: Any, username: str) -> int:
    """The id of the staff account ``username``; ``ValidationFailed`` when there is none."""
    found = conn.execute(
        select(users.c.id).where(
            users.c.username == accounts.normalise_username(username), users.c.kind == "staff"
        )
    ).scalar()
    if found is None:
        raise ValidationFailed(
            f"没有账号为 {username} 的工作人员", fields={"username": "账号不存在"}
        )
    return int(found)
