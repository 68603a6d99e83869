from fastapi.testclient import TestClient


def test_health_reports_a_readable_and_writable_database(client: TestClient) -> None:
    answer = client.get("/health")
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok"
    assert answer.json()["database"] in ("sqlite", "postgresql")
