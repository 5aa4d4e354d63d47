"""The staff workbench (工作台): what each of the signed-in person's roles can do, with links."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, FastAPI, Request, Response

from tongban.domain.people.model import Role, RoleAssignment
from tongban.web.deps import ContainerDep, Staff
from tongban.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)


@dataclass(frozen=True)
class Task:
    """One thing a role does; ``label`` and ``description`` are msgids."""

    label: str
    url: str
    description: str


ROLE_TITLES: dict[Role, str] = {
    Role.CATALOGUE_ADMIN: "事项目录管理员",
    Role.USER_ADMIN: "用户管理员",
    Role.CLERK: "综合窗口人员",
    Role.REVIEWER: "审批人员",
    Role.SECTION_CHIEF: "科长",
    Role.CENTRE_MANAGER: "服务中心管理员",
    Role.LEADER: "区领导",
    Role.DEPARTMENT_HEAD: "部门负责人",
    Role.AUDITOR: "审计人员",
    Role.AGENT: "代办员",
    Role.INSPECTOR: "监管检查人员",
}

TASKS: dict[Role, tuple[Task, ...]] = {
    Role.USER_ADMIN: (
        Task(
            "工作人员账号",
            "/admin/users",
            "新增、导入、停用工作人员，重置密码和动态口令，授予和收回角色",
        ),
    ),
    Role.CATALOGUE_ADMIN: (
        Task("事项管理", "/admin/items", "编辑、发布和撤回政务服务事项及其材料、规则"),
        Task("工作日历", "/admin/calendar", "维护法定节假日和调休工作日"),
        Task("秒批规则", "/admin/rules", "编写、测试、试运行和发布秒批事项的规则"),
        Task("指标管理", "/admin/indicators", "维护指标的定义、公式、目标和维度，发布新版本"),
        Task("三单管理", "/lists", "负面清单、许可清单和监管清单"),
        Task("服务网点", "/centres", "区、镇街和村居服务中心"),
        Task("跨城通办节点", "/admin/federation", "本节点的地址、事项和签名密钥，信任的伙伴节点"),
    ),
    Role.CLERK: (
        Task("综合窗口", "/window", "核验申请人身份，受理任一事项（一窗通办）"),
        Task("免证核验", "/window/identify", "扫市民码、读身份证或刷脸核验身份（免证办）"),
        Task("办不成事", "/centre/hard-cases", "登记群众办不成的事，承办、记录并办结"),
        Task("事项咨询", "/questions", "为群众登记事项咨询，查看部门答复"),
        Task("评价器", "/window/pad", "窗口第二屏：办事人对刚办完的服务评价"),
        Task("办事服务", "/items", "查询事项的办事指南和所需材料"),
    ),
    Role.REVIEWER: (
        Task("待审办件", "/review", "审查办件、要求补正、提出审批意见"),
        Task("网上审批中心", "/approval-centre/mine", "领取、释放网上申请，查看我的在办件"),
        Task("事项咨询", "/questions", "在答复期限内答复本部门事项的咨询"),
        Task("差评整改", "/evaluation/rectifications", "差评的整改、回访和答复"),
        Task("办事服务", "/items", "查询事项的审批标准"),
    ),
    Role.SECTION_CHIEF: (
        Task("否决签批", "/sign-off", "签批不予许可决定（否决权上移），重新分派办件"),
        Task("待审办件", "/review", "本部门的全部在办件"),
        Task("网上审批中心", "/approval-centre", "共享队列、分派策略、审批人员负荷与效率"),
        Task("事项咨询", "/questions", "答复咨询，把好的答复发布为办事指南的常见问题"),
        Task("批后监管", "/supervision/tasks", "本部门的检查任务，双随机抽取检查对象和检查人员"),
        Task("监管统计", "/supervision/figures", "检查任务、按期检查和合格、整改、注销情况"),
        Task("差评整改", "/evaluation/rectifications", "差评的整改、回访和答复"),
        Task("好差评统计", "/evaluation/stats", "本部门按事项、工作人员的评价和回访率"),
    ),
    Role.CENTRE_MANAGER: (
        Task("中心概况", "/centre", "本中心在办件的状态和红黄灯预警"),
        Task("代办中心", "/proxy-centre", "投资项目代办：按阶段、镇街、行业统计和审批堵点"),
        Task("窗口与排队", "/centre/queue", "窗口、取号叫号和等候时间"),
        Task("预约", "/centre/appointments", "各事项的预约时段"),
        Task("办不成事", "/centre/hard-cases", "办不成事窗口的问题与处理"),
        Task("办不成事统计", "/centre/hard-cases/stats", "按问题类型、服务中心和办理结果统计"),
        Task(
            "咨询统计", "/centre/questions/stats", "按事项、部门、渠道统计咨询的按期答复和平均用时"
        ),
        Task("好差评", "/evaluation/stats", "评价和整改"),
        Task("差评整改", "/evaluation/rectifications", "差评的整改、回访和答复"),
    ),
    Role.LEADER: (
        Task("领导驾驶舱", "/dashboard", "趋势、镇街对比、目标达成、示意图和批后监管，可导出"),
        Task("指标体系", "/indicators", "办件量、网办率、秒批率、按时办结率和满意度，可下钻到办件"),
        Task("代办中心", "/proxy-centre", "投资项目代办：按阶段、镇街、行业统计和审批堵点"),
        Task("办不成事统计", "/centre/hard-cases/stats", "按问题类型、服务中心和办理结果统计"),
        Task(
            "咨询统计", "/centre/questions/stats", "按事项、部门、渠道统计咨询的按期答复和平均用时"
        ),
        Task("好差评统计", "/evaluation/stats", "按事项、部门、中心和工作人员的评价和回访率"),
        Task("事项统计", "/stats", "事项目录的各项统计"),
        Task("监管统计", "/supervision/figures", "批后监管：检查任务、按期检查和处理结果"),
        Task("事项管理", "/admin/items", "查看事项草稿和版本历史"),
    ),
    Role.DEPARTMENT_HEAD: (
        Task("领导驾驶舱", "/dashboard", "本部门的趋势、目标达成和批后监管，可导出 Excel"),
        Task("指标体系", "/indicators", "本部门的办件量、按时办结率等指标，逐级下钻到办件"),
        Task("好差评统计", "/evaluation/stats", "本部门按事项、工作人员的评价和回访率"),
        Task("差评整改", "/evaluation/rectifications", "差评的整改、回访和答复"),
        Task("批后监管", "/supervision/tasks", "本部门的检查任务，双随机抽取检查对象和检查人员"),
        Task("监管统计", "/supervision/figures", "检查任务、按期检查和合格、整改、注销情况"),
        Task("事项统计", "/stats", "事项目录的各项统计"),
    ),
    Role.AUDITOR: (
        Task("审计日志", "/audit", "每一次写操作的记录"),
        Task("数据访问日志", "/audit/data-access", "每一次个人数据读取的记录"),
        Task("事项管理", "/admin/items", "查看事项草稿和版本历史"),
    ),
    Role.INSPECTOR: (
        Task(
            "检查任务",
            "/supervision/tasks",
            "抽取给我的批后监管检查任务：记录检查结果并作出处理决定",
        ),
        Task("抽查公开", "/supervision/draws", "双随机抽查结果公开"),
    ),
    Role.AGENT: (
        Task("代办项目", "/agent/projects", "企业投资项目的审批进度（一对一代办）"),
        Task("办事服务", "/items", "查询事项的办事指南"),
    ),
}


def route_paths(app: FastAPI) -> set[str]:
    """Every path the app serves, including those of included routers."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # FastAPI < 0.137 copied included routes into ``app.routes``
        return {str(getattr(route, "path", "")) for route in app.routes}
    return {str(context.path) for context in iter_route_contexts(app.routes)}


def _serves(task: Task, assignment: RoleAssignment, centre_departments: tuple[str, ...]) -> bool:
    """The online approval centre is only for the departments it serves."""
    if task.url.startswith("/approval-centre"):
        return assignment.department_code in centre_departments
    return True


@router.get("/workbench")
def workbench(request: Request, container: ContainerDep, principal: Staff) -> Response:
    """One section per role held, each with its jurisdiction; links only to pages that exist."""
    existing = route_paths(request.app)
    served = container.settings.approval_centre_departments
    sections = [
        {
            "title": ROLE_TITLES.get(assignment.role, assignment.role.value),
            "assignment": assignment,
            "tasks": [
                (task, task.url in existing)
                for task in TASKS.get(assignment.role, ())
                if _serves(task, assignment, served)
            ],
        }
        for assignment in principal.roles
        if assignment.role in TASKS
    ]
    return render(request, "workbench.html", {"sections": sections})
