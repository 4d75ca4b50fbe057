import json
import logging

from insurance_shared.observability import JsonFormatter, mask_identifiers, request_id_var


def test_identifiers_are_masked_in_logs() -> None:
    assert mask_identifiers("GET /persons/220102199001011239/history") == "GET /persons/220102********1239/history"
    assert mask_identifiers("unit 91220101MA0Y3XXK87") == "unit 912201********XK87"
    assert mask_identifiers("order 12345") == "order 12345"


def test_json_log_line_carries_request_id() -> None:
    token = request_id_var.set("req-7")
    try:
        record = logging.getLogger("t").makeRecord(
            "t", logging.INFO, __file__, 1, "person %s", ("11010519491231002X",), None
        )
    finally:
        request_id_var.reset(token)
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "req-7"
    assert line["message"] == "person 110105********002X"
    assert line["level"] == "INFO"


def test_httpx_request_lines_are_quiet() -> None:
    """#26 item 5: the feeds' long polls wrote one httpx INFO line per request (2,103 of 2,179 lines of a log)."""
    import logging

    from insurance_shared.observability import configure_logging

    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        configure_logging("INFO")
        assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)
        assert logging.getLogger("httpx").isEnabledFor(logging.WARNING)
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
