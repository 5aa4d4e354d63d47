"""Errors of the proxy service (代办), each with a stable code and a Chinese message."""

from __future__ import annotations

from tongban.domain.errors import Conflict, NotFound, PermissionDenied


class ProjectNotFound(NotFound):
    code = "project_not_found"
    template = "找不到编号为 {code} 的投资项目。"


class StepNotFound(NotFound):
    code = "project_step_not_found"
    template = "该项目没有第 {position} 个审批环节。"


class AgentNotAuthorised(PermissionDenied):
    code = "agent_not_authorised"
    template = "企业尚未授权您代办该项目，不能代为申报或办理。"


class NotProjectAgent(PermissionDenied):
    code = "not_project_agent"
    template = "该项目不是分配给您的代办项目。"


class NoAgentAvailable(Conflict):
    code = "no_agent_available"
    template = "企业服务中心暂无可分配的代办员，请稍后再试或联系中心。"


class AgentAlreadyAssigned(Conflict):
    code = "agent_already_assigned"
    template = "该项目已分配代办员。"


class AgentNotAssigned(Conflict):
    code = "agent_not_assigned"
    template = "该项目尚未申请代办服务或尚未分配代办员。"


class StepAlreadyFiled(Conflict):
    code = "step_already_filed"
    template = "该审批环节已申报（办件号 {number}）。"
