"""Errors of post-approval supervision, each with a stable code and a Chinese message."""

from __future__ import annotations

from tongban.domain.errors import Conflict, NotFound, ValidationFailed


class TaskNotFound(NotFound):
    code = "inspection_task_not_found"
    template = "找不到编号为 {number} 的检查任务。"


class DrawNotFound(NotFound):
    code = "supervision_draw_not_found"
    template = "找不到编号为 {number} 的抽查记录。"


class NotSupervised(NotFound):
    code = "item_not_supervised"
    template = "事项 {item_code} 不在批后监管清单上。"


class UnknownChecklistEntry(ValidationFailed):
    code = "checklist_entry_unknown"
    template = "检查清单中没有这一项：{entry}。"


class TaskClosed(Conflict):
    code = "inspection_task_closed"
    template = "检查任务 {number} 已办结（{status}），不能再记录检查结果。"


class TaskNotAssigned(Conflict):
    code = "inspection_task_not_assigned"
    template = "检查任务 {number} 尚未抽取检查人员，不能记录检查结果。"


class FindingsIncomplete(ValidationFailed):
    code = "inspection_findings_incomplete"
    template = "检查清单尚有 {count} 项未记录结果，不能作出处理决定。"


class ClosureWithFailures(ValidationFailed):
    code = "inspection_closure_with_failures"
    template = "有不合格的检查项，不能以“合格”办结：请责令整改或注销证照。"


class RevocationReasonRequired(ValidationFailed):
    code = "revocation_reason_required"
    template = "注销电子证照须写明理由。"


class NoLicenceToRevoke(Conflict):
    code = "inspection_no_licence"
    template = "该检查对象没有可注销的电子证照。"


class NothingToDraw(Conflict):
    code = "supervision_pool_empty"
    template = (
        "没有可抽取的检查对象或检查人员：待抽取对象 {subjects} 个，检查人员 {inspectors} 名。"
    )
