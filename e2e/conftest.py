"""E2E fixtures: the system Chromium, a fixed viewport, the session corpus, one real server per module,
server-log checks, soft screenshot comparison, and the review page written at session end."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, expect

from e2e import states
from e2e.app import UI_TIMEOUT, DocMindApp, prepare
from e2e.documents import E2ECorpus, build_corpus
from e2e.review_page import write_review_page
from e2e.server import REPO, StreamlitServer
from e2e.visual import VisualReview
from tests.support.browser import chromium_executable

ARTIFACTS = REPO / "artifacts" / "e2e"
BASELINES = Path(__file__).resolve().parent / "__snapshots__"
VIEWPORT = {"width": 1280, "height": 1400}
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-quic",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
_review_key = pytest.StashKey[VisualReview]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-baselines",
        action="store_true",
        default=False,
        help="write every E2E screenshot as its new baseline in e2e/__snapshots__ (review before committing)",
    )


def pytest_configure(config: pytest.Config) -> None:
    # Every `expect` without its own bound gets the rerun bound, not Playwright's 5 s (see UI_TIMEOUT).
    expect.set_options(timeout=UI_TIMEOUT)
    # Unless asked otherwise, keep a screenshot of every page of a failed test under artifacts/.
    if getattr(config.option, "screenshot", None) == "off":
        config.option.screenshot = "only-on-failure"
    if getattr(config.option, "output", None) == "test-results":
        config.option.output = str(ARTIFACTS / "test-results")
    config.stash[_review_key] = VisualReview(
        baseline_dir=BASELINES,
        output_dir=ARTIFACTS / "visual",
        update=bool(config.getoption("--update-baselines", default=False)),
    )


def pytest_sessionfinish(session: pytest.Session) -> None:
    review = session.config.stash.get(_review_key, None)
    if review is not None:
        page = write_review_page(review.comparisons, ARTIFACTS / "review.html", order=states.ORDER)
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"E2E visual review: {page}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[Any]:
    report: pytest.TestReport = yield
    funcargs = getattr(item, "funcargs", {})
    server = funcargs.get("server")
    if report.failed and isinstance(server, StreamlitServer):
        report.sections.append(("streamlit server log", server.log_text()[-20_000:]))
    app = funcargs.get("app")
    if report.failed and report.when == "call" and isinstance(app, DocMindApp):
        with contextlib.suppress(Exception):  # the page may be gone; the report must not fail
            rows = "\n".join(str(row) for row in app.recorded_panel()[-40:])
            report.sections.append(("what the page displayed (last 40 renderings)", rows))
    return report


# -- browser --------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    args = {**browser_type_launch_args, "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS]}
    executable = chromium_executable()
    if executable:
        args["executable_path"] = executable
    return args


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_context_args,
        "viewport": VIEWPORT,
        "device_scale_factor": 1,
        "locale": "en-US",
        "timezone_id": "UTC",
        "color_scheme": "light",
        "reduced_motion": "reduce",
    }


# -- documents and servers ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> E2ECorpus:
    """The session's generated documents (made once, shared by every module)."""
    return build_corpus(tmp_path_factory.mktemp("corpus"))


DataDirSetup = Callable[[Path], None]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Path:
    """This module's data dir (empty; a module may fill it through ``prepare_data_dir``)."""
    return tmp_path_factory.mktemp(f"data-{request.module.__name__.rsplit('.', 1)[-1]}")


@pytest.fixture(scope="module")
def prepare_data_dir() -> DataDirSetup:
    """Fill the data dir before the server starts; modules override this fixture."""
    return lambda _data: None


@pytest.fixture(scope="module")
def server_env() -> dict[str, str]:
    """Extra environment of this module's server (the tests run keyword-only unless a module says so)."""
    return {}


@pytest.fixture(scope="module")
def server(
    data_dir: Path, prepare_data_dir: DataDirSetup, server_env: dict[str, str], request: pytest.FixtureRequest
) -> Iterator[StreamlitServer]:
    """A real ``streamlit run`` for this module on a free port, its own data dir and process group."""
    prepare_data_dir(data_dir)
    # The log lives next to the data dir (private to this run) and is copied to artifacts/ at the end.
    server = StreamlitServer(data_dir, data_dir.parent / f"{data_dir.name}-server.log", env=server_env)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        name = request.module.__name__.rsplit(".", 1)[-1]
        (ARTIFACTS / "logs").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(server.log_path, ARTIFACTS / "logs" / f"{name}.log")
    late = server.log_problems()[server.problems_checked :]
    assert not late, "the server logged problems after the last test:\n" + "\n\n".join(late)


@pytest.fixture(autouse=True)
def _server_log_is_clean(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test that uses a server also asserts the server logged no traceback and no ScriptRunContext."""
    if "server" not in request.fixturenames:
        yield
        return
    server: StreamlitServer = request.getfixturevalue("server")
    already = len(server.log_problems())
    yield
    problems = server.log_problems()
    server.problems_checked = len(problems)
    assert not problems[already:], "the server log shows problems:\n" + "\n\n".join(problems[already:])


# -- pages ----------------------------------------------------------------------------------------------


@pytest.fixture
def open_app(
    server: StreamlitServer, new_context: Callable[..., BrowserContext]
) -> Iterator[Callable[[], DocMindApp]]:
    """Open the app in a fresh browser context (each call: another tab of another person).

    At the end of the test, every page opened must never have displayed a stale duplicate (two job
    panels, two progress bars or two Start buttons at one moment), whatever the test did.
    """
    opened: list[DocMindApp] = []

    def _open() -> DocMindApp:
        page = prepare(new_context().new_page())
        opened.append(DocMindApp(page, server.url))
        return opened[-1].open()

    yield _open
    for app in opened:
        if not app.page.is_closed():
            duplicates = app.stale_duplicates()
            assert not duplicates, "the page showed a stale duplicate:\n" + "\n".join(map(str, duplicates))


@pytest.fixture
def app(open_app: Callable[[], DocMindApp]) -> DocMindApp:
    """The app in one browser page, on the Documents page."""
    return open_app()


@pytest.fixture
def visual(request: pytest.FixtureRequest) -> Iterator[Any]:
    """Soft screenshot comparison; fails the test at teardown if any screenshot did not match."""
    snapshots = request.config.stash[_review_key].for_test(request.node.nodeid)
    yield snapshots
    failures = snapshots.failures
    if failures:
        pytest.fail(
            "screenshots need review (artifacts/e2e/review.html):\n"
            + "\n".join(f"  {c.name}: {c.status}: {c.message}" for c in failures),
            pytrace=False,
        )
