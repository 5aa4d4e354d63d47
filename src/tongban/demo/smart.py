"""Demo smart-approval rule sets and the citizens and companies whose data exercises them.

The rule sets are the YAML files of ``demo/rules`` (each with its test cases): every 秒批 item
of the catalogue loaded gets the file its ``rule_set`` names, published as the item's own rule
set (the generated items share the ``generic-*`` files), so each has a rule set in force.  The
people below hold e-licences chosen so that the first eight hand-written smart items each have
someone who passes and someone who does not (an 82-year-old with a Nanhai household passes
高龄津贴申领, a 75-year-old does not, nor does an 83-year-old registered elsewhere).
Running it twice changes nothing the second time.
"""

from __future__ import annotations

import contextlib
import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tongban.demo.loader import Scale, demo_items
from tongban.demo.people import DEMO_PASSWORD, credit_code, resident_id
from tongban.demo.rules import rule_files_by_slug
from tongban.domain.catalogue.model import Level
from tongban.domain.errors import AccountExists
from tongban.domain.people.model import Role, RoleAssignment
from tongban.domain.shared.clock import china_date
from tongban.domain.shared.identity import IdType
from tongban.services.licences import library as licences
from tongban.services.people import accounts as people
from tongban.services.platform.context import Actor
from tongban.services.smart import rules as rule_sets

if TYPE_CHECKING:
    from tongban.bootstrap import Container

NANHAI_ADDRESS = "广东省佛山市南海区"


@dataclass(frozen=True)
class SmartPerson:
    """A demo applicant and the licences they hold (type → fields)."""

    login: str
    name: str
    phone: str
    note: str
    licences: dict[str, dict[str, Any]] = field(default_factory=dict)
    enterprise: tuple[str, str] | None = None
    """(legal representative, their ID number) for a company."""


def _person_licences(
    born: str, sex: str, address: str, hukou: str | None, **extra: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    held: dict[str, dict[str, Any]] = {
        "id_card": {"sex": sex, "ethnicity": "汉", "birth_date": born, "address": address}
    }
    if hukou is not None:
        held["hukou"] = {
            "household_head": "本人",
            "relation": "户主",
            "household_type": "非农业家庭户口",
            "household_address": hukou,
            "birth_date": born,
        }
    held.update(extra)
    return held


CHEN = resident_id("440605", "19440315", "111")
LI = resident_id("440605", "19510620", "122")
ZHAO = resident_id("430104", "19430909", "133")
LIN = resident_id("440605", "19930402", "144")
HUANG = resident_id("440605", "19880808", "155")

SMART_PEOPLE: tuple[SmartPerson, ...] = (
    SmartPerson(
        CHEN,
        "陈炳坤",
        "13802611111",
        "82 岁、南海户籍：高龄津贴、老年人优待证、居民养老保险秒批通过",
        _person_licences(
            "1944-03-15",
            "男",
            NANHAI_ADDRESS + "桂城街道南海大道北8号",
            NANHAI_ADDRESS + "桂城街道南海大道北8号",
        ),
    ),
    SmartPerson(
        LI,
        "李桂英",
        "13802611122",
        "75 岁、南海户籍：高龄津贴不通过（未满80周岁），优待证通过",
        _person_licences(
            "1951-06-20",
            "女",
            NANHAI_ADDRESS + "九江镇沙口路3号",
            NANHAI_ADDRESS + "九江镇沙口路3号",
        ),
    ),
    SmartPerson(
        ZHAO,
        "赵德胜",
        "13802611133",
        "83 岁、湖南户籍、持南海居住证：高龄津贴不通过（非本区户籍），居住证签注、居民医保通过",
        _person_licences(
            "1943-09-09",
            "男",
            "湖南省长沙市岳麓区麓山路1号",
            "湖南省长沙市岳麓区麓山路1号",
            residence_permit={
                "sex": "男",
                "birth_date": "1943-09-09",
                "address": NANHAI_ADDRESS + "大沥镇广佛路88号",
                "hukou_address": "湖南省长沙市岳麓区麓山路1号",
            },
        ),
    ),
    SmartPerson(
        LIN,
        "林晓雯",
        "13802611144",
        "已婚、在职参保：生育登记通过，居民养老保险不通过（已参加职工养老保险）",
        _person_licences(
            "1993-04-02",
            "女",
            NANHAI_ADDRESS + "狮山镇科技大道6号",
            NANHAI_ADDRESS + "狮山镇科技大道6号",
            marriage={
                "spouse_name": "陈嘉明",
                "spouse_id_number": resident_id("440605", "19910716", "171"),
                "registered_on": "2022-10-01",
                "certificate_no": "J440605-2022-001234",
            },
            social_insurance={
                "insured_types": "职工基本养老保险、职工基本医疗保险",
                "employer": "广东南海智造科技有限公司",
                "since": "2016-07-01",
                "months_paid": 112,
            },
        ),
    ),
    SmartPerson(
        HUANG,
        "黄志远",
        "13802611155",
        "未婚：个体工商户设立登记通过（开网吧则触及负面清单转人工），生育登记不通过",
        _person_licences(
            "1988-08-08",
            "男",
            NANHAI_ADDRESS + "大沥镇黄岐路5号",
            NANHAI_ADDRESS + "大沥镇黄岐路5号",
        ),
    ),
    SmartPerson(
        credit_code("92440605", "MA5HLJ01"),
        "佛山市南海区好邻居便利店",
        "13802611166",
        "营业执照含食品零售：仅销售预包装食品备案通过",
        {
            "business_licence": {
                "entity_type": "个体工商户",
                "legal_representative": "梁少华",
                "registered_capital": "不适用",
                "established_on": "2023-03-01",
                "address": NANHAI_ADDRESS + "里水镇和顺大道12号",
                "business_scope": "预包装食品、日用百货零售",
            }
        },
        enterprise=("梁少华", resident_id("440605", "19800101", "181")),
    ),
    SmartPerson(
        credit_code("92440605", "MA5HLJ02"),
        "佛山市南海区联兴五金店",
        "13802611177",
        "营业执照不含食品销售：仅销售预包装食品备案转人工",
        {
            "business_licence": {
                "entity_type": "个体工商户",
                "legal_representative": "冯志强",
                "registered_capital": "不适用",
                "established_on": "2021-05-20",
                "address": NANHAI_ADDRESS + "西樵镇樵金路20号",
                "business_scope": "五金交电零售",
            }
        },
        enterprise=("冯志强", resident_id("440605", "19750505", "191")),
    ),
)

SMART_REVIEWER = ("reviewer.mzj", "苏敏", "MZJ")
"""A reviewer at 区民政局, who gets the elderly-allowance cases the rules send to a person."""
SMART_CHIEF = ("chief.mzj", "梁永康", "MZJ")
"""The section chief at 区民政局: signs its rejections and revokes the licences it issued."""

SHORT_NOTES = (
    "秒批通过",
    "75岁，高龄津贴转人工",
    "外地户籍，高龄津贴转人工",
    "已婚，生育登记通过",
    "个体户登记通过",
    "预包装食品备案通过",
    "预包装食品备案转人工",
)
DEMO_LOGINS: list[tuple[str, str, str]] = [
    (p.login, "企业（秒批）" if p.enterprise else "群众（秒批）", f"{p.name}：{short}")
    for p, short in zip(SMART_PEOPLE, SHORT_NOTES, strict=True)
] + [
    (SMART_REVIEWER[0], "审批人员", f"{SMART_REVIEWER[1]}（区民政局）"),
    (SMART_CHIEF[0], "科室负责人", f"{SMART_CHIEF[1]}（区民政局）"),
]
"""(log-in, role, who) of the people this part adds; the password is ``DEMO_PASSWORD``."""


@functools.cache
def _shared_hash() -> str:
    """Every demo account has the same published password: hash it once."""
    return people.hash_password(DEMO_PASSWORD)


def _accounts(container: Container, actor: Actor) -> int:
    written = 0
    hashed = _shared_hash()
    for person in SMART_PEOPLE:
        with contextlib.suppress(AccountExists), container.uow() as uow:
            if person.enterprise is None:
                people.create_citizen(
                    uow,
                    actor,
                    IdType.RESIDENT_ID,
                    person.login,
                    person.name,
                    person.phone,
                    DEMO_PASSWORD,
                    password_hash=hashed,
                )
            else:
                people.create_enterprise(
                    uow,
                    actor,
                    person.login,
                    person.name,
                    *person.enterprise,
                    person.phone,
                    DEMO_PASSWORD,
                    password_hash=hashed,
                )
            written += 1
    for (login, name, department), role in (
        (SMART_REVIEWER, Role.REVIEWER),
        (SMART_CHIEF, Role.SECTION_CHIEF),
    ):
        assignment = RoleAssignment(role, level=Level.DISTRICT, department_code=department)
        with contextlib.suppress(AccountExists), container.uow() as uow:
            people.create_staff(
                uow, actor, login, name, DEMO_PASSWORD, [assignment], password_hash=hashed
            )
            written += 1
    return written


def _licences(container: Container, actor: Actor) -> int:
    written = 0
    keys = container.keys
    with container.uow() as uow, uow.atomic():  # every licence issued joins one transaction
        for person in SMART_PEOPLE:
            held = {
                lic.type_code
                for lic in licences.holder_licences(
                    uow.conn, person.login, valid_on=china_date(actor.at)
                )
            }
            for type_code, values in person.licences.items():
                if type_code in held:
                    continue
                licences.issue(
                    uow,
                    actor,
                    keys,
                    type_code=type_code,
                    holder_id=person.login,
                    holder_name=person.name,
                    fields=values,
                )
                written += 1
    return written


def _rule_sets(container: Container, actor: Actor, scale: Scale) -> int:
    """Publish, for every 秒批 item of this scale's catalogue without a rule set yet, the rule
    file its ``rule_set`` names."""
    files = rule_files_by_slug()
    written = 0
    for item in demo_items(scale):
        if not item.smart_approval:
            continue
        rule_file = files.get(item.rule_set or "")
        if rule_file is None:
            raise LookupError(f"{item.code} names rule set {item.rule_set!r}: no file has it")
        with container.uow() as uow:
            if rule_sets.versions(uow.conn, item.code):
                continue
            draft = rule_sets.save_draft(uow, actor, item.code, rule_file.spec)
        with container.uow() as uow:
            rule_sets.publish(
                uow, actor, item.code, draft.version, expected_lock=draft.lock_version
            )
        written += 1
    return written


def load(container: Container, actor: Actor, scale: Scale) -> int:
    """Load (or top up) this part of the demo; returns how many records it wrote."""
    return (
        _rule_sets(container, actor, scale)
        + _accounts(container, actor)
        + _licences(container, actor)
    )
