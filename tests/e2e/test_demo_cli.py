"""``make run``'s first load: the whole Nanhai demo, as the README describes it, from the CLI."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from tests.clock import TEST_START
from tongban.adapters.db.engine import build_engine
from tongban.adapters.db.tables import centres
from tongban.adapters.db.tables_projects import projects
from tongban.cli.app import app
from tongban.domain.indicators.model import Period
from tongban.services.catalogue.stats import catalogue_figures
from tongban.services.indicators.access import DISTRICT
from tongban.services.indicators.figures import figure
from tongban.services.smart.rules import smart_items_in_force


def test_the_full_demo_loads_the_figures_the_readme_promises(tmp_path: Path) -> None:
    env = {
        "TONGBAN_DATA_DIR": str(tmp_path),
        "TONGBAN_CLOCK_START": TEST_START.isoformat(),
        "COLUMNS": "200",
    }
    runner = CliRunner()
    assert runner.invoke(app, ["migrate"], env=env).exit_code == 0
    loaded = runner.invoke(app, ["demo", "--if-empty", "--scale", "full"], env=env)
    assert loaded.exit_code == 0, loaded.output
    again = runner.invoke(app, ["demo", "--if-empty", "--scale", "full"], env=env)
    assert again.exit_code == 0, again.output
    engine = build_engine(f"sqlite:///{tmp_path / 'tongban.db'}")
    try:
        with engine.connect() as conn:
            figures = catalogue_figures(conn)
            in_force = smart_items_in_force(conn, TEST_START.date())
            levels = dict(
                conn.execute(select(centres.c.level, func.count()).group_by(centres.c.level)).all()
            )
            count, wan = conn.execute(
                select(func.count(), func.sum(projects.c.investment_wan))
            ).one()
            indicator = {
                code: figure(conn, DISTRICT, code, period=Period.YEAR, at=TEST_START.date()).value
                for code in ("online_capable_rate", "smart_item_count", "satisfaction")
            }
    finally:
        engine.dispose()
    assert (figures.items, str(figures.online_capable_rate)) == (2155, "93.55")
    assert figures.smart_approval == in_force == 51  # 51 项（其中 51 项规则已生效）
    assert levels == {"district": 1, "town": 7, "community": 292}
    assert count == 400 and round(wan / 10_000 / 100) * 100 == 3800  # about 3,800 亿元
    # the indicator system gives the catalogue's figures, and the demo's ratings (mostly
    # 非常满意 and 满意, 1–2% poor) their satisfaction
    satisfaction = indicator.pop("satisfaction")
    assert indicator == {"online_capable_rate": 93.55, "smart_item_count": 51}
    assert satisfaction is not None and 95 <= satisfaction < 100
    # every case the demo filed (the proxy-service projects' in bulk too) is in the rollup
    verified = runner.invoke(app, ["metrics", "verify"], env=env)
    assert verified.exit_code == 0, verified.output
