import io
import json
import logging

from cps import logs


def test_a_token_in_a_logged_url_is_redacted() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    handler.addFilter(logs.RedactTokens())
    logger = logging.getLogger("test.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning('%s - "WebSocket /ws?token=%s" [accepted]', "127.0.0.1", "s3cr3t-t0ken")
        logger.warning("login", extra={"password": "hunter2", "user_id": 4})
    finally:
        logger.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert "s3cr3t-t0ken" not in stream.getvalue()
    assert lines[0]["event"].endswith('/ws?token=[redacted]" [accepted]')
    assert "hunter2" not in stream.getvalue()
    assert lines[1]["password"] == "[redacted]" and lines[1]["user_id"] == 4
