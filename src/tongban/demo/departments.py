"""The 28 departments (审批部门) that handle items in Nanhai, with stable short codes.

Names are those the public knows; ``short_name`` is the usual abbreviation on signs and forms.
"""

from __future__ import annotations

from tongban.domain.network.model import Department

_ROWS: tuple[tuple[str, str, str], ...] = (
    ("FGJ", "区发展和改革局", "区发改局"),
    ("JYJ", "区教育局", "区教育局"),
    ("GXJ", "区工业和信息化局", "区工信局"),
    ("GAJ", "佛山市公安局南海分局", "南海公安分局"),
    ("MZJ", "区民政局", "区民政局"),
    ("SFJ", "区司法局", "区司法局"),
    ("CZJ", "区财政局", "区财政局"),
    ("RSJ", "区人力资源和社会保障局", "区人社局"),
    ("ZRZYJ", "佛山市自然资源局南海分局", "南海自然资源分局"),
    ("STHJJ", "佛山市生态环境局南海分局", "南海生态环境分局"),
    ("ZJSLJ", "区住房城乡建设和水利局", "区住建水利局"),
    ("JTYSJ", "区交通运输局", "区交通局"),
    ("NYNCJ", "区农业农村局", "区农业农村局"),
    ("WGLTJ", "区文化广电旅游体育局", "区文广旅体局"),
    ("WJJ", "区卫生健康局", "区卫健局"),
    ("TYJRJ", "区退役军人事务局", "区退役军人局"),
    ("YJGLJ", "区应急管理局", "区应急局"),
    ("SCJGJ", "区市场监督管理局", "区市场监管局"),
    ("YBJ", "区医疗保障局", "区医保局"),
    ("CGZFJ", "区城市管理和综合执法局", "区城管执法局"),
    ("ZSJ", "区政务服务数据管理局", "区政数局"),
    ("SWJ", "国家税务总局佛山市南海区税务局", "南海区税务局"),
    ("GJJ", "佛山市住房公积金管理中心南海分中心", "南海公积金分中心"),
    ("CLJ", "区残疾人联合会", "区残联"),
    ("XFJY", "区消防救援大队", "区消防救援大队"),
    ("DAG", "区档案馆", "区档案馆"),
    ("QXJ", "区气象局", "区气象局"),
    ("RFB", "区人民防空办公室", "区人防办"),
)

DEPARTMENTS: tuple[Department, ...] = tuple(
    Department(code=code, name=name, short_name=short) for code, name, short in _ROWS
)
"""All 28 departments, in the order of the district's department list."""

DEPARTMENT_CODES: frozenset[str] = frozenset(d.code for d in DEPARTMENTS)


def department(code: str) -> Department:
    """The department with this code; ``KeyError`` if there is none."""
    for dept in DEPARTMENTS:
        if dept.code == code:
            return dept
    raise KeyError(code)
