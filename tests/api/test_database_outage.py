"""While the database is unreachable the management API answers JSON 503 with Retry-After,
not Django's HTML "Server Error (500)", so clients wait and retry."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.db import connection

# The connection is closed and reopened, which a test inside a transaction cannot do; the
# restored rows include the operator group the API key's owner needs.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def database_gone(tmp_path) -> Iterator[Callable[[], None]]:
    """The database cannot be reached: PostgreSQL's address refuses connections (as while it
    restarts); SQLite's file is somewhere that cannot be opened (as when its disk is gone)."""
    settings = connection.settings_dict
    original = {key: settings[key] for key in ("NAME", "PORT")}
    connection.close()
    if connection.vendor == "postgresql":
        settings["PORT"] = "1"  # nothing listens there
    else:
        settings["NAME"] = str(tmp_path / "unmounted" / "statuspage.sqlite3")

    def bring_back() -> None:
        connection.close()
        settings.update(original)

    yield bring_back
    bring_back()


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_the_management_api_answers_503_json_while_the_database_is_down(api, database_gone, method):
    body = {"incident": {"name": "x", "body": "y"}} if method == "POST" else None

    response = api.send(method, "incidents", body)

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"] == response.json()["message"]


def test_it_answers_normally_once_the_database_is_back(api, database_gone):
    assert api.get("incidents").status_code == 503
    database_gone()  # it is back

    assert api.get("incidents").status_code == 200
