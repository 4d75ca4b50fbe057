"""The serve command's process settings."""

import gc

from insurance_shared.cli import GC_THRESHOLD, tune_collector


def test_the_collector_is_tuned_for_a_long_running_server() -> None:
    threshold = gc.get_threshold()
    try:
        tune_collector()
        # what was alive when the app was built is left out of collections; the first generation waits longer
        assert gc.get_freeze_count() > 10_000
        assert gc.get_threshold() == GC_THRESHOLD
        assert GC_THRESHOLD[0] > threshold[0]
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
