"""Roadmap templates (审批路线图): the stages and items a project goes through.

Construction projects follow the four stages of the national reform of construction-project
approval (工程建设项目审批制度改革): 立项用地规划许可, 工程建设许可, 施工许可, 竣工验收.
Other projects (moving into existing premises, technical upgrades) get a shorter roadmap.
Every item named here is in the catalogue; its promised time limit comes from there.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RoadmapStep:
    """One step: an item of a department, in a stage; ``position`` orders the whole roadmap."""

    stage: int
    position: int
    item_code: str
    item_name: str
    department_code: str


CONSTRUCTION_STAGES: tuple[str, ...] = ("立项用地规划许可", "工程建设许可", "施工许可", "竣工验收")
OTHER_STAGES: tuple[str, ...] = ("项目备案与设立", "环保与安全", "投产准备")

_CONSTRUCTION: tuple[tuple[int, str, str, str], ...] = (
    (1, "FGJ-0001", "企业投资项目备案", "FGJ"),
    (1, "ZRZYJ-0001", "建设项目用地预审与选址意见书核发", "ZRZYJ"),
    (1, "ZRZYJ-0002", "建设用地规划许可证核发", "ZRZYJ"),
    (2, "ZRZYJ-0003", "建设工程规划许可证核发", "ZRZYJ"),
    (2, "STHJJ-0003", "建设项目环境影响报告表审批", "STHJJ"),
    (2, "FGJ-0003", "固定资产投资项目节能审查", "FGJ"),
    (3, "ZJSLJ-0002", "施工图设计文件审查", "ZJSLJ"),
    (3, "ZJSLJ-0004", "特殊建设工程消防设计审查", "ZJSLJ"),
    (3, "ZJSLJ-0001", "建设工程施工许可证核发", "ZJSLJ"),
    (4, "ZJSLJ-0005", "特殊建设工程消防验收", "ZJSLJ"),
    (4, "ZRZYJ-0006", "建设工程规划条件核实", "ZRZYJ"),
    (4, "QXJ-0002", "雷电防护装置竣工验收", "QXJ"),
    (4, "ZJSLJ-0003", "房屋建筑和市政基础设施工程竣工验收备案", "ZJSLJ"),
)

_OTHER: tuple[tuple[int, str, str, str], ...] = (
    (1, "SCJGJ-0004", "企业设立登记", "SCJGJ"),
    (1, "GXJ-0001", "工业企业技术改造投资项目备案", "GXJ"),
    (2, "STHJJ-0004", "建设项目环境影响登记表备案", "STHJJ"),
    (2, "STHJJ-0005", "固定污染源排污登记", "STHJJ"),
    (3, "YJGLJ-0003", "生产经营单位生产安全事故应急预案备案", "YJGLJ"),
    (3, "SCJGJ-0018", "特种设备使用登记", "SCJGJ"),
)


def stage_names(construction: bool) -> tuple[str, ...]:
    return CONSTRUCTION_STAGES if construction else OTHER_STAGES


def roadmap_for(construction: bool) -> tuple[RoadmapStep, ...]:
    """The roadmap template of a construction project (four stages) or of another project."""
    rows = _CONSTRUCTION if construction else _OTHER
    return tuple(
        RoadmapStep(stage, position, code, name, department)
        for position, (stage, code, name, department) in enumerate(rows, start=1)
    )


def item_codes() -> frozenset[str]:
    """Every item any roadmap names (the catalogue must publish them)."""
    return frozenset(row[1] for row in (*_CONSTRUCTION, *_OTHER))


def current_stage(done_by_stage: dict[int, tuple[int, int]], stages: int) -> int | None:
    """The first stage with a step not done; None when every stage is done.

    ``done_by_stage`` maps a stage to (steps done, steps in all).
    """
    for stage in range(1, stages + 1):
        done, total = done_by_stage.get(stage, (0, 0))
        if done < total:
            return stage
    return None
