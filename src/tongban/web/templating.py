"""Jinja2 templates with htmx partials (jinja2-fragments) and gettext on every string."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from fastapi import Request
from jinja2_fragments.fastapi import Jinja2Blocks
from starlette.responses import Response

from tongban import i18n
from tongban.bootstrap import Container
from tongban.domain.people.model import STAFF_ROLES, Principal, Role, UserKind
from tongban.domain.shared.clock import CHINA_TZ
from tongban.domain.shared.masking import MASK_BY_TYPE, mask_by_type, mask_id_number, mask_phone
from tongban.web import deps
from tongban.web.labels import label

TEMPLATES_DIR = Path(__file__).with_name("templates")

# (label, url, roles that see it; empty = everyone).  Labels are msgids, translated in the
# template.
NAVIGATION: tuple[tuple[str, str, tuple[Role, ...]], ...] = (
    ("工作台", "/workbench", tuple(sorted(STAFF_ROLES))),
    ("我的办件", "/my/cases", (Role.CITIZEN, Role.ENTERPRISE)),
    ("我的预约", "/my/appointments", (Role.CITIZEN, Role.ENTERPRISE)),
    ("我的数据", "/me/data", (Role.CITIZEN, Role.ENTERPRISE)),
    ("市民码", "/me/code", (Role.CITIZEN, Role.ENTERPRISE)),
    ("秒批", "/smart", (Role.CITIZEN, Role.ENTERPRISE)),
    ("我的咨询", "/my/questions", (Role.CITIZEN, Role.ENTERPRISE)),
    ("办不成事反映", "/my/hard-cases", (Role.CITIZEN, Role.ENTERPRISE)),
    ("窗口受理", "/window", (Role.CLERK,)),
    ("叫号", "/window/queue", (Role.CLERK,)),
    ("网办辅导", "/assist", (Role.CLERK,)),
    ("审查", "/review", (Role.REVIEWER, Role.SECTION_CHIEF)),
    ("签批", "/sign-off", (Role.SECTION_CHIEF,)),
    ("中心概况", "/centre", (Role.CENTRE_MANAGER,)),
    ("自助终端", "/centre/kiosks", (Role.CENTRE_MANAGER,)),
    ("办不成事", "/centre/hard-cases", (Role.CLERK, Role.CENTRE_MANAGER)),
    ("事项咨询", "/questions", (Role.CLERK, Role.REVIEWER, Role.SECTION_CHIEF)),
    ("投资项目", "/enterprise/projects", (Role.ENTERPRISE,)),
    ("代办项目", "/agent/projects", (Role.AGENT,)),
    ("代办中心", "/proxy-centre", (Role.CENTRE_MANAGER, Role.LEADER)),
    ("办事服务", "/items", ()),
    ("一件事", "/bundles", ()),
    ("三单管理", "/lists", ()),
    ("检查任务", "/supervision/tasks", (Role.INSPECTOR, Role.SECTION_CHIEF)),
    ("抽查公开", "/supervision/draws", ()),
    ("服务网点", "/centres", ()),
    ("事项统计", "/stats", ()),
    ("事项管理", "/admin/items", (Role.CATALOGUE_ADMIN, Role.AUDITOR, Role.LEADER)),
    ("工作日历", "/admin/calendar", (Role.CATALOGUE_ADMIN,)),
    ("秒批规则", "/admin/rules", (Role.CATALOGUE_ADMIN,)),
    ("跨城通办节点", "/admin/federation", (Role.CATALOGUE_ADMIN,)),
    ("工作人员账号", "/admin/users", (Role.USER_ADMIN,)),
    ("证照核验", "/verify", ()),
)


ELDERLY_NAVIGATION: tuple[tuple[str, str, tuple[Role, ...]], ...] = (
    ("首页", "/", ()),
    ("常办事项", "/frequent", ()),
    ("我的办件", "/my/cases", (Role.CITIZEN, Role.ENTERPRISE)),
    ("市民码", "/me/code", (Role.CITIZEN, Role.ENTERPRISE)),
    ("查找事项", "/items", ()),
    ("服务网点", "/centres", ()),
)
"""长辈版: the few places an older person goes, the high-frequency items first."""


def navigation(principal: Principal | None, elderly: bool = False) -> list[tuple[str, str]]:
    """The menu: everything the principal may use, or, in the elderly version for citizens
    and visitors, the short one (staff keep theirs: they work in it)."""
    staff = principal is not None and principal.has_role(*STAFF_ROLES)
    entries = ELDERLY_NAVIGATION if elderly and not staff else NAVIGATION
    return [
        (label, url)
        for label, url, roles in entries
        if not roles or (principal is not None and principal.has_role(*roles))
    ]


def mode_url(request: Request, mode: str) -> str:
    """This page's address with ``mode`` chosen (长辈版 ``elderly`` or ``standard``), keeping
    its other query parameters: the switch is a plain link, no script needed."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "mode"]
    return request.url.path + "?" + urlencode([*params, ("mode", mode)])


def lang_url(request: Request, locale: str) -> str:
    """This page's address in ``locale`` (``?lang=``, remembered by a cookie), keeping its
    other query parameters: the language switch is a plain link too."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return request.url.path + "?" + urlencode([*params, ("lang", locale)])


def languages() -> list[tuple[str, str, bool]]:
    """The language switch: (locale, its name in itself, whether it is the current one)."""
    current = i18n.current_locale.get()
    return [(code, name, code == current) for code, name in i18n.LANGUAGE_NAMES.items()]


def html_lang() -> str:
    """The page's ``lang`` attribute (BCP 47): zh-CN, zh-Hant or en."""
    return i18n.HTML_LANG.get(i18n.current_locale.get(), "zh-CN")


def build_templates() -> Jinja2Blocks:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        auto_reload=False,
    )
    templates = Jinja2Blocks(env=env)
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext, i18n.ngettext, newstyle=True
    )
    env.globals["navigation"] = navigation
    env.globals["mode_url"] = mode_url
    env.globals["lang_url"] = lang_url
    env.globals["languages"] = languages
    env.globals["html_lang"] = html_lang
    env.globals["content_is_chinese"] = i18n.content_is_chinese
    env.filters["content"] = i18n.content
    env.filters["local_date"] = i18n.local_date
    env.globals["current_locale"] = i18n.current_locale.get
    env.globals["label"] = label
    env.filters["mask_id"] = mask_id_number
    env.filters["mask_phone"] = mask_phone
    env.filters["china_time"] = china_time
    env.globals["personal_types"] = frozenset(MASK_BY_TYPE)
    env.filters["mask_field"] = lambda value, field_type: mask_by_type(str(field_type), value)
    env.policies["ext.i18n.trimmed"] = True
    return templates


def china_time(at: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An instant as pages show it: Beijing time, the one display time zone of every page."""
    if at is None:
        return ""
    return at.astimezone(CHINA_TZ).strftime(fmt)


def _calendar_status(request: Request) -> Any:
    """How far the calendar reaches, for the banners of the page shell: every staff member is
    warned when it runs out soon, everyone is told when it holds an example year.  None when
    the database cannot answer (an error page must still render)."""
    from sqlalchemy.exc import SQLAlchemyError

    from tongban.services.platform.calendar import calendar_status
    from tongban.web.deps import today_of

    container: Container = request.app.state.container
    today = today_of(request)
    try:
        with container.read() as uow:
            return calendar_status(uow.conn, today, container.settings.calendar_warn_days)
    except SQLAlchemyError:
        return None


def _jurisdiction(request: Request) -> Any:
    """The configured jurisdiction (names, branding) for the page shell; None before
    ``tongban init`` or when the database cannot answer (an error page must still render)."""
    from sqlalchemy.exc import SQLAlchemyError

    from tongban.services.platform.jurisdiction import cached, configured

    container: Container = request.app.state.container
    known = cached(container.engine)
    if known is not None:
        return known  # no connection taken for it once read
    try:
        with container.read() as uow:
            return configured(uow.conn)
    except SQLAlchemyError:
        return None


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    block: str | None = None,
    status_code: int = 200,
) -> Response:
    """Render the whole page, or only ``block`` when htmx asks for a partial."""
    templates: Jinja2Blocks = request.app.state.templates
    ctx = dict(context or {})
    # only what the context does not give: an error page gives no principal and no token so
    # that it renders without reading the session (the database may be what failed), and
    # ``setdefault`` would read it anyway to compute the default it then drops
    if "principal" not in ctx:
        ctx["principal"] = deps.load_principal(request)
    if "csrf_token" not in ctx:
        ctx["csrf_token"] = deps.csrf_token_for(request)
    ctx.setdefault("elderly", deps.is_elderly(request))
    if "jurisdiction" not in ctx:
        ctx["jurisdiction"] = _jurisdiction(request)
    if block is not None and request.headers.get("HX-Request") == "true":
        return templates.TemplateResponse(
            request, template, ctx, block_name=block, status_code=status_code
        )
    principal = ctx["principal"]
    if "calendar_status" not in ctx:
        ctx["calendar_status"] = _calendar_status(request)
    ctx.setdefault("calendar_staff", principal is not None and principal.kind is UserKind.STAFF)
    ctx.setdefault(
        "calendar_admin", principal is not None and principal.has_role(Role.CATALOGUE_ADMIN)
    )
    return templates.TemplateResponse(request, template, ctx, status_code=status_code)
