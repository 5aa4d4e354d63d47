"""Demo e-licences for the demo people and companies (电子证照).

Every demo citizen holds an e-ID (居民身份证) and a 户口簿 with a household in a Nanhai town
(the Hong Kong resident a 居住证 instead); the two aged over 80 an 老年人优待证 and 高龄津贴资格;
every company a 营业执照, the restaurant and the tea shop a 食品经营许可证 too.  The signing keys
are created if missing.  A holder who already has a type is skipped, so a second run changes
nothing.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from tongban.demo.people import DEMO_CITIZENS, DEMO_ENTERPRISES, DemoCitizen, DemoEnterprise
from tongban.domain.shared.clock import china_date
from tongban.domain.shared.identity import IdType, Sex, parse_resident_id
from tongban.services.licences import library as licences
from tongban.services.platform.context import Actor

if TYPE_CHECKING:
    from tongban.bootstrap import Container
    from tongban.demo.loader import Scale

NANHAI = "广东省佛山市南海区"
HOMES: tuple[str, ...] = (
    "桂城街道南海大道北23号",
    "桂城街道千灯湖一路8号",
    "西樵镇樵金路112号",
    "九江镇沙口路6号",
    "丹灶镇金沙大道33号",
    "狮山镇科技大道北路16号",
    "大沥镇广佛路208号",
    "里水镇里官路55号",
)


def _person(index: int, citizen: DemoCitizen, today: date) -> dict[str, dict[str, Any]]:
    parsed = parse_resident_id(citizen.id_number)
    born = parsed.birth_date.isoformat()
    sex = "男" if parsed.sex is Sex.MALE else "女"
    home = NANHAI + HOMES[index % len(HOMES)]
    held: dict[str, dict[str, Any]] = {}
    if citizen.id_type is IdType.HMT_RESIDENCE_PERMIT:
        held["residence_permit"] = {
            "sex": sex,
            "birth_date": born,
            "address": home,
            "hukou_address": "香港特别行政区",
        }
        return held
    held["id_card"] = {"sex": sex, "ethnicity": "汉", "birth_date": born, "address": home}
    held["hukou"] = {
        "household_head": citizen.name,
        "relation": "户主",
        "household_type": "家庭户",
        "household_address": home,
        "birth_date": born,
        "registered_on": date(max(parsed.birth_date.year, 1990), 1, 8).isoformat(),
    }
    if parsed.age_on(today) >= 80:
        held["senior_card"] = {
            "card_no": f"YD440605{citizen.id_number[-6:]}",
            "birth_date": born,
            "address": home,
        }
        held["longevity_allowance"] = {
            "birth_date": born,
            "hukou_address": home,
            "monthly_amount": 100 if parsed.age_on(today) < 90 else 200,
            "starts_on": "2026-01-01",
        }
    elif index == 0:
        held["property"] = {
            "certificate_no": "粤(2021)佛南不动产权第0123456号",
            "co_ownership": "单独所有",
            "location": home + "1座1203房",
            "unit_no": "440605001001GB00123F00011203",
            "right_type": "国有建设用地使用权/房屋所有权",
            "usage": "城镇住宅用地/住宅",
            "area": 98.6,
        }
        held["social_insurance"] = {
            "insured_types": "职工基本养老保险、职工基本医疗保险、失业保险、工伤保险",
            "employer": "广东南海智造科技有限公司",
            "since": "2008-07-01",
            "months_paid": 220,
        }
    return held


def _enterprise(index: int, company: DemoEnterprise) -> dict[str, dict[str, Any]]:
    address = NANHAI + HOMES[(index + 3) % len(HOMES)]
    individual = company.credit_code.startswith("92")
    held: dict[str, dict[str, Any]] = {
        "business_licence": {
            "entity_type": "个体工商户" if individual else "有限责任公司（自然人投资或控股）",
            "legal_representative": company.legal_representative,
            "registered_capital": "不适用" if individual else "人民币500万元",
            "established_on": date(2018 + index, 3 + index, 8).isoformat(),
            "address": address,
            "business_scope": _scope(company.name),
        }
    }
    if "餐饮" in company.name or "奶茶" in company.name:
        held["food_permit"] = {
            "permit_no": f"JY24406050{index:02d}{company.credit_code[-5:]}",
            "legal_representative": company.legal_representative,
            "business_address": address,
            "main_business": "餐饮服务经营者（饮品店）"
            if "奶茶" in company.name
            else "餐饮服务经营者",
            "business_items": "热食类食品制售；冷食类食品制售；自制饮品制售",
        }
    return held


def _scope(name: str) -> str:
    if "科技" in name:
        return "智能装备研发、制造与销售；软件开发；技术服务"
    if "纺织" in name:
        return "纺织品、针织品制造与销售；货物进出口"
    if "餐饮" in name:
        return "餐饮服务；餐饮管理；食品销售"
    return "餐饮服务（饮品店）；食品销售"


def _holders(today: date) -> list[tuple[str, str, dict[str, dict[str, Any]]]]:
    """Who holds which licences; seniors' cards go to those 80 or over on the load day."""
    people = [(c.id_number, c.name, _person(i, c, today)) for i, c in enumerate(DEMO_CITIZENS)]
    companies = [(c.credit_code, c.name, _enterprise(i, c)) for i, c in enumerate(DEMO_ENTERPRISES)]
    return people + companies


def load(container: Container, actor: Actor, scale: Scale) -> int:
    """Load (or top up) this part of the demo; returns how many records it wrote."""
    keys = container.keys  # created on first use
    written = 0
    with container.uow() as uow, uow.atomic():  # every licence issued joins one transaction
        for holder_id, name, held in _holders(china_date(actor.at)):
            have = {
                lic.type_code
                for lic in licences.holder_licences(uow.conn, holder_id, valid_on=None)
            }
            for type_code, fields in held.items():
                if type_code in have:
                    continue
                licences.issue(
                    uow,
                    actor,
                    keys,
                    type_code=type_code,
                    holder_id=holder_id,
                    holder_name=name,
                    fields=fields,
                )
                written += 1
    _warm_font_cache()
    return written


def _warm_font_cache() -> None:
    """Build the cached Chinese font subset now, so the first licence download is quick."""
    import contextlib

    from tongban.adapters.fonts import ChineseFontMissing, common_face

    # Without a Chinese font the PDFs say which package to install; the demo data is complete.
    with contextlib.suppress(ChineseFontMissing):
        common_face()
