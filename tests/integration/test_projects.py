"""The proxy service (代办) through the services on both databases: registering a project,
assigning an agent, the company's authorisation, filing steps as cases on the company's
behalf, who sees which project, overdue alerts and the centre's dashboard."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from tests.factories import make_staff
from tests.integration.project_fixtures import (
    ProjectWorld,
    at,
    authorised_project,
    build_project_world,
    register,
)
from tests.integration.test_cases import issue
from tongban.adapters.db.tables import audit_log, case_events, cases, outbox
from tongban.adapters.db.tables_projects import (
    project_authorisations,
    project_notes,
    project_steps,
    projects,
)
from tongban.bootstrap import Container
from tongban.domain.errors import PermissionDenied, StaleVersion, ValidationFailed
from tongban.domain.people.model import Role
from tongban.domain.projects.errors import (
    AgentAlreadyAssigned,
    AgentNotAuthorised,
    ProjectNotFound,
    StepAlreadyFiled,
)
from tongban.domain.projects.model import ProjectStatus, StepProgress
from tongban.services.cases import lifecycle as case_svc
from tongban.services.cases import repository as repo
from tongban.services.cases.audit import verify
from tongban.services.people.sessions import load_principal
from tongban.services.platform.context import Actor
from tongban.services.projects import dashboard as project_dashboard
from tongban.services.projects import lifecycle as svc
from tongban.services.projects import queries, steps

TODAY = date(2026, 11, 2)


@pytest.fixture
def world(container: Container) -> ProjectWorld:
    # PostgreSQL tests reuse one database, emptied between tests
    project_dashboard.forget_dashboards()
    return build_project_world(container)


def count(world: ProjectWorld, table: object) -> int:
    with world.container.read() as uow:
        return int(uow.conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def view(world: ProjectWorld, user_id: int, code: str, today: date = TODAY) -> queries.ProjectView:
    with world.container.read() as uow:
        principal = load_principal(uow.conn, user_id)
        return queries.get_project(uow.conn, principal, code, today)


def file(world: ProjectWorld, code: str, position: int, day: str = "2026-11-02") -> steps.FiledStep:
    with world.container.uow() as uow:
        return steps.file_step(uow, world.actor(world.agent, day), code, position)


# --- registering ---------------------------------------------------------------------------------


def test_a_construction_project_gets_the_four_stage_roadmap(world: ProjectWorld) -> None:
    ref = register(world)
    assert ref.code.startswith("XM") and ref.status is ProjectStatus.REGISTERED
    project = view(world, world.company, ref.code)
    assert [s.name for s in project.stages] == [
        "立项用地规划许可",
        "工程建设许可",
        "施工许可",
        "竣工验收",
    ]
    first = [s.item_name for s in project.stages[0].steps]
    assert "建设项目用地预审与选址意见书核发" in first
    assert all(s.progress is StepProgress.PENDING for st in project.stages for s in st.steps)
    assert project.current_stage is not None and project.current_stage.number == 1


def test_a_project_without_construction_gets_the_shorter_roadmap(world: ProjectWorld) -> None:
    ref = register(world, construction=False, name="智能装备技术改造项目")
    project = view(world, world.company, ref.code)
    assert len(project.stages) == 3
    assert project.stages[0].steps[0].item_name == "企业设立登记"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"credit_code": "91440605MA4WQ7K1X0"}, "credit_code"),
        ({"credit_code": "9144"}, "credit_code"),
        ({"investment_wan": "-500"}, "investment_wan"),
        ({"investment_wan": "0"}, "investment_wan"),
        ({"investment_wan": "十亿"}, "investment_wan"),
        ({"town": "天河区"}, "town"),
        ({"name": "  "}, "name"),
    ],
)
def test_bad_input_is_refused_with_its_field_and_nothing_is_stored(
    world: ProjectWorld, changes: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        register(world, **changes)
    assert field in caught.value.fields
    assert count(world, projects) == 0
    assert count(world, project_steps) == 0


def test_a_company_cannot_register_a_project_under_another_credit_code(
    world: ProjectWorld,
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        register(world, credit_code=world.other_code)
    assert caught.value.fields["credit_code"] == "须为本企业的统一社会信用代码"
    assert count(world, projects) == 0


# --- the agent: assignment and authorisation -----------------------------------------------------


def test_the_proxy_service_assigns_the_agent_with_the_fewest_open_projects(
    world: ProjectWorld,
) -> None:
    first = register(world)
    second = register(world, name="第二个项目")
    third = register(world, name="第三个项目")
    agents = []
    for ref in (first, second, third):
        with world.container.uow() as uow:
            done = svc.request_proxy_service(uow, world.actor(world.company), ref.code)
        assert done.status is ProjectStatus.AGENT_ASSIGNED
        agents.append(view(world, world.company, ref.code).agent_id)
    assert agents == [world.agent, world.other_agent, world.agent]
    with pytest.raises(AgentAlreadyAssigned), world.container.uow() as uow:
        svc.request_proxy_service(uow, world.actor(world.company), first.code)
    with world.container.read() as uow:
        told = uow.conn.execute(select(outbox.c.payload)).scalars().all()
    assert any("代办员" in str(p) for p in told)


def test_two_requests_from_the_same_version_assign_exactly_once(world: ProjectWorld) -> None:
    ref = register(world)
    with world.container.uow() as uow:
        svc.request_proxy_service(uow, world.actor(world.company), ref.code, ref.version)
    with pytest.raises((StaleVersion, AgentAlreadyAssigned)), world.container.uow() as uow:
        svc.request_proxy_service(uow, world.actor(world.company), ref.code, ref.version)
    with world.container.read() as uow:
        version = uow.conn.execute(select(projects.c.lock_version)).scalar_one()
    assert version == 2


def test_an_agent_cannot_file_before_the_company_authorises_and_nothing_changes(
    world: ProjectWorld,
) -> None:
    ref = register(world)
    with world.container.uow() as uow:
        svc.request_proxy_service(uow, world.actor(world.company), ref.code)
    before = (count(world, cases), count(world, audit_log))
    with pytest.raises(AgentNotAuthorised) as caught:
        file(world, ref.code, 1)
    assert caught.value.code == "agent_not_authorised" and caught.value.status == 403
    assert (count(world, cases), count(world, audit_log)) == before
    assert view(world, world.agent, ref.code).stages[0].steps[0].progress is StepProgress.PENDING


def test_a_revoked_authorisation_stops_the_agent(world: ProjectWorld) -> None:
    ref = authorised_project(world)
    with world.container.uow() as uow:
        svc.revoke_authorisation(uow, world.actor(world.company), ref.code)
    with pytest.raises(AgentNotAuthorised):
        file(world, ref.code, 1)
    assert count(world, cases) == 0
    with world.container.read() as uow:
        revoked = uow.conn.execute(select(project_authorisations.c.revoked_at)).scalar_one()
    assert revoked is not None


def test_an_agent_not_assigned_to_the_project_cannot_act_on_it(world: ProjectWorld) -> None:
    ref = authorised_project(world)
    with pytest.raises(ProjectNotFound), world.container.uow() as uow:
        steps.file_step(uow, world.actor(world.other_agent), ref.code, 1)
    with pytest.raises(ProjectNotFound), world.container.uow() as uow:
        svc.add_note(uow, world.actor(world.other_agent), ref.code, "note", "不是我的项目")
    assert count(world, cases) == 0 and count(world, project_notes) == 0


# --- filing steps on the company's behalf --------------------------------------------------------


def test_the_authorised_agent_files_a_step_as_the_companys_case_on_its_behalf(
    world: ProjectWorld,
) -> None:
    ref = authorised_project(world)
    filed = file(world, ref.code, 2)  # 建设项目用地预审与选址意见书核发, 10 working days
    assert filed.due_on == date(2026, 11, 23)  # 15 working days after 2 November
    with world.container.read() as uow:
        case = uow.conn.execute(select(cases).where(cases.c.number == filed.case_number)).one()
        events = uow.conn.execute(
            select(case_events).where(case_events.c.case_id == case.id).order_by(case_events.c.seq)
        ).all()
    assert case.applicant_id == world.company
    assert {e.role for e in events} == {"agent"}
    assert {e.actor_id for e in events} == {world.agent}
    assert all(e.detail["on_behalf_of"] == world.company_code for e in events)
    with world.container.read() as uow:
        assert verify(uow.conn).ok
    step = view(world, world.company, ref.code).stages[0].steps[1]
    assert step.case_number == filed.case_number and step.progress is StepProgress.FILED
    with pytest.raises(StepAlreadyFiled):
        file(world, ref.code, 2)
    assert count(world, cases) == 1


def test_a_step_the_agent_files_records_them_as_the_one_acting_for_the_company(
    world: ProjectWorld,
) -> None:
    ref = register(world, construction=False, name="智能装备技术改造项目")
    with world.container.uow() as uow:
        ref = svc.request_proxy_service(uow, world.actor(world.company), ref.code, ref.version)
    with world.container.uow() as uow:
        svc.authorise_agent(uow, world.actor(world.company), ref.code, ref.version)
    form = {
        "company_type": "有限责任公司",
        "registered_capital": "500",
        "legal_rep_id": "11010519491231002X",
        "business_scope": "智能装备制造",
        "phone": "13800138000",
    }
    with world.container.uow() as uow:  # 企业设立登记: its 委托书 is asked when an agent acts
        filed = steps.file_step(uow, world.actor(world.agent), ref.code, 1, form)
    with world.container.read() as uow:
        case = repo.get(uow.conn, filed.case_number)
    assert case.agent is not None and case.agent.staff_id == world.agent
    assert case.agent.name == "冯代办"
    assert "委托书及受托人身份证件" in case.required_materials
    assert case.absent_materials() == []


def test_the_agent_is_asked_only_for_what_the_project_and_company_records_leave_open(
    world: ProjectWorld,
) -> None:
    ref = register(world)
    with world.container.uow() as uow:
        ref = svc.request_proxy_service(uow, world.actor(world.company), ref.code, ref.version)

    def to_fill() -> dict[int, list[str]]:
        project = view(world, world.agent, ref.code)
        with world.container.read() as uow:
            forms = queries.fields_to_fill(uow.conn, project)
        return {position: [f.name for f in fields] for position, fields in forms.items()}

    assert to_fill() == {}  # the company has not authorised its agent yet
    with world.container.uow() as uow:
        svc.authorise_agent(uow, world.actor(world.company), ref.code, ref.version)
    asked = to_fill()
    assert set(asked) == {s.position for s in view(world, world.agent, ref.code).stages[0].steps}
    answered = {"enterprise_name", "credit_code", "project_name", "investment", "legal_rep"}
    assert not answered & {name for names in asked.values() for name in names}
    file(world, ref.code, 2)
    assert 2 not in to_fill()


def test_a_step_follows_its_case_from_filed_to_done(world: ProjectWorld) -> None:
    ref = authorised_project(world)
    filed = file(world, ref.code, 2)
    reviewer = make_staff(world.container, Role.REVIEWER, department_code="ZRZYJ").user_id
    number = filed.case_number

    def act(fn: object, *args: object) -> None:
        with world.container.read() as uow:
            version = uow.conn.execute(
                select(cases.c.lock_version).where(cases.c.number == number)
            ).scalar_one()
        with world.container.uow() as uow:
            fn(uow, world.actor(reviewer, "2026-11-03"), number, version, *args)  # type: ignore[operator]

    act(case_svc.accept)
    progress = view(world, world.company, ref.code).stages[0].steps[1].progress
    assert progress is StepProgress.IN_PROGRESS
    act(case_svc.start_review)
    act(case_svc.propose_decision, True, "符合选址要求")
    act(issue, "选址意见书")
    project = view(world, world.company, ref.code)
    assert project.stages[0].steps[1].progress is StepProgress.DONE
    assert project.steps_done == 1


def test_the_agent_keeps_a_log_the_company_does_not_see(world: ProjectWorld) -> None:
    ref = authorised_project(world)
    with world.container.uow() as uow:
        svc.add_note(uow, world.actor(world.agent), ref.code, "meeting", "与企业会商用地方案")
    with pytest.raises(ValidationFailed), world.container.uow() as uow:
        svc.add_note(uow, world.actor(world.agent), ref.code, "gossip", "")
    assert [n.body for n in view(world, world.agent, ref.code).notes] == ["与企业会商用地方案"]
    assert view(world, world.company, ref.code).notes == []


# --- who sees what -------------------------------------------------------------------------------


def test_a_company_never_sees_another_companys_projects(world: ProjectWorld) -> None:
    mine = authorised_project(world)
    file(world, mine.code, 1)
    theirs = register(world, company=world.other_company, name="别家的项目")
    with pytest.raises(ProjectNotFound):
        view(world, world.other_company, mine.code)
    with pytest.raises(ProjectNotFound), world.container.uow() as uow:
        svc.request_proxy_service(uow, world.actor(world.other_company), mine.code)
    with world.container.read() as uow:
        other = load_principal(uow.conn, world.other_company)
        listed = queries.list_projects(uow.conn, other, TODAY)
    assert [r.code for r in listed] == [theirs.code]


def test_an_agent_sees_only_the_projects_assigned_to_them(world: ProjectWorld) -> None:
    mine = authorised_project(world)
    with world.container.read() as uow:
        other = load_principal(uow.conn, world.other_agent)
        assert queries.list_projects(uow.conn, other, TODAY) == []
    with pytest.raises(ProjectNotFound):
        view(world, world.other_agent, mine.code)
    assert view(world, world.agent, mine.code).seen_as == "agent"


def test_the_centre_view_is_for_leaders_and_centre_managers_of_the_town(
    world: ProjectWorld,
) -> None:
    shishan = register(world)
    guicheng = register(world, town="桂城街道", name="桂城总部大楼")
    leader = make_staff(world.container, Role.LEADER).user_id
    manager = make_staff(world.container, Role.CENTRE_MANAGER).user_id  # 桂城 town centre
    clerk = make_staff(world.container, Role.CLERK).user_id
    with world.container.read() as uow:
        as_leader = load_principal(uow.conn, leader)
        as_manager = load_principal(uow.conn, manager)
        as_clerk = load_principal(uow.conn, clerk)
        assert {r.code for r in queries.list_projects(uow.conn, as_leader, TODAY)} == {
            shishan.code,
            guicheng.code,
        }
        assert [r.code for r in queries.list_projects(uow.conn, as_manager, TODAY)] == [
            guicheng.code
        ]
        with pytest.raises(PermissionDenied):
            queries.list_projects(uow.conn, as_clerk, TODAY)


# --- overdue steps and the dashboard -------------------------------------------------------------


def test_an_overdue_step_alerts_the_agent_and_shows_on_the_dashboard(
    world: ProjectWorld,
) -> None:
    ref = authorised_project(world)
    filed = file(world, ref.code, 1)  # 企业投资项目备案: immediate, due 5 working days on
    late = date(2026, 11, 20)
    assert filed.due_on is not None and filed.due_on < late
    project = view(world, world.agent, ref.code, late)
    assert project.stages[0].steps[0].overdue
    leader = make_staff(world.container, Role.LEADER).user_id
    with world.container.read() as uow:
        board = project_dashboard.dashboard(
            uow.conn, load_principal(uow.conn, leader), late, at("2026-11-20")
        )
        listed = queries.list_projects(uow.conn, load_principal(uow.conn, world.agent), late)
        mine = project_dashboard.overdue_alerts_for(
            uow.conn, load_principal(uow.conn, world.agent), late
        )
        others = project_dashboard.overdue_alerts_for(
            uow.conn, load_principal(uow.conn, world.other_agent), late
        )
    assert [a.project_code for a in board.alerts] == [ref.code]
    assert listed[0].overdue == 1
    assert ([a.project_code for a in mine], others) == ([ref.code], [])
    with world.container.uow() as uow:
        assert svc.alert_overdue(uow, Actor(at=at("2026-11-20")), late) == 1
    with world.container.uow() as uow:
        svc.alert_overdue(uow, Actor(at=at("2026-11-21")), late)  # told once only
    with world.container.read() as uow:
        alerts = uow.conn.execute(
            select(func.count()).select_from(outbox).where(outbox.c.dedup_key.like("%overdue%"))
        ).scalar_one()
    assert alerts == 1


def test_the_dashboard_counts_projects_by_stage_town_and_industry(world: ProjectWorld) -> None:
    first = authorised_project(world)
    register(world, town="九江镇", industry="新材料", investment_wan="8000", name="新材料项目")
    file(world, first.code, 1)
    leader = make_staff(world.container, Role.LEADER).user_id
    with world.container.read() as uow:
        board = project_dashboard.dashboard(
            uow.conn, load_principal(uow.conn, leader), TODAY, at("2026-11-05")
        )
    assert board.projects == 2
    assert str(board.investment_yi) == "6.00"  # 52,000 + 8,000 万元
    assert {b.label: b.projects for b in board.by_town} == {"九江镇": 1, "狮山镇": 1}
    assert {b.label: b.projects for b in board.by_stage} == {"立项用地规划许可": 1}
    assert board.step_bottlenecks[0].label == "企业投资项目备案"
    assert board.step_bottlenecks[0].average_days == pytest.approx(3.0, abs=0.1)
    assert board.department_bottlenecks[0].label == "区发展和改革局"


def test_the_dashboard_is_recomputed_after_any_write(world: ProjectWorld) -> None:
    ref = authorised_project(world)
    leader = make_staff(world.container, Role.LEADER).user_id

    def board() -> project_dashboard.Dashboard:
        with world.container.read() as uow:
            principal = load_principal(uow.conn, leader)
            return project_dashboard.dashboard(uow.conn, principal, TODAY, at("2026-11-05"))

    first = board()
    assert board() is first  # nothing written: the same figures
    file(world, ref.code, 1)
    second = board()
    assert second is not first and second.step_bottlenecks[0].steps == 1
    register(world, name="又一个项目")
    assert board().projects == 2
