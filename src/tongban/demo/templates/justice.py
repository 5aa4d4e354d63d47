"""Templates for justice, archives and the data bureau."""

from __future__ import annotations

from . import B, C, Group, g

NOTARY = ("《中华人民共和国公证法》", "《公证程序规则》")
CORRECTIONS = ("《中华人民共和国社区矫正法》",)
REVIEW = ("《中华人民共和国行政复议法》",)
LEGAL_AID = ("《中华人民共和国法律援助法》",)
MEDIATION = ("《中华人民共和国人民调解法》",)
ARCHIVES = ("《中华人民共和国档案法》", "《中华人民共和国档案法实施条例》")
DATA = ("《广东省公共数据管理办法》", "《优化营商环境条例》")

NOTARY_TYPES = (
    "出生 死亡 亲属关系 学历 学位 婚姻状况 未受刑事处分 经历 职务职称 健康状况 "
    "收养关系 继承 遗嘱 赠与 委托 声明 合同 保全证据 提存 财产分割协议"
)

_JUSTICE: tuple[Group, ...] = (
    g(
        "SFJ",
        "ONE",
        "公证申请",
        NOTARY,
        "法律服务",
        C,
        (15, 10),
        result="公证书",
        types=NOTARY_TYPES,
        offline=True,
    ),
    g(
        "SFJ",
        "ONE",
        "社区矫正对象外出审批 社区矫正对象经常性跨市县活动审批 社区矫正对象迁居审批 "
        "社区矫正对象报到",
        CORRECTIONS,
        "法律服务",
        C,
        (7, 3),
        result="审批决定",
        offline=True,
    ),
    g(
        "SFJ",
        "ONE",
        "法律援助申请",
        LEGAL_AID,
        "法律服务",
        C,
        (7, 3),
        result="法律援助决定书",
        types="民事案件 行政案件 刑事案件",
    ),
    g(
        "SFJ",
        "ONE",
        "行政复议申请 法律援助事项变更 公共法律服务咨询预约 人民调解协议司法确认指引 律师调解申请",
        (*REVIEW, *LEGAL_AID, *MEDIATION),
        "法律服务",
        B,
        (5, 3),
        result="受理（决定）通知",
    ),
)

_ARCHIVES: tuple[Group, ...] = (
    g(
        "DAG",
        "ONE",
        "档案寄存 档案捐赠 档案复制件出具 档案证明出具 档案展览参观预约 开放档案目录查询",
        ARCHIVES,
        "档案服务",
        B,
        (5, 2),
        result="档案服务结果",
        offline=True,
    ),
)

_DATA: tuple[Group, ...] = (
    g(
        "ZSJ",
        "ONE",
        "企业投资项目代办服务申请 政务服务帮办代办申请 网办辅导预约 政务数据共享申请 "
        "政务服务好差评申诉 证明事项告知承诺核查申请 电子证照授权使用 个人数据空间授权管理",
        DATA,
        "政务服务",
        B,
        (5, 2),
        result="服务受理结果",
        community=True,
    ),
)

GROUPS: tuple[Group, ...] = _JUSTICE + _ARCHIVES + _DATA
