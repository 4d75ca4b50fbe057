"""How ``make test`` shares the suite among pytest-xdist workers (``-n auto``: one per core)."""

import pytest

# Modules whose tests share one module-wide stack of services on fixed ports (two workers would start it twice, on
# the same ports) and, in the stories, build on each other's objects: they run whole, in order, on one worker.
WHOLE_MODULES = frozenset({"tests/test_stories.py", "tests/test_scale_out.py"})


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """``--dist load`` (what ``-n`` means by default), but a module of WHOLE_MODULES is one unit of work. Units are
    handed out one at a time to whichever worker is free, the largest first, so the long stories start at once."""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class Scheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return module if module in WHOLE_MODULES else nodeid

    return Scheduling(config, log)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In a worker, the tests marked slow come first (stable: each module keeps its order), so the minute-long
    ones are not handed out last to leave one worker running alone at the end."""
    if hasattr(config, "workerinput"):
        items.sort(key=lambda item: item.get_closest_marker("slow") is None)
