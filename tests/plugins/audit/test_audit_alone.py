"""With audit alone, the review has only its own sections and no source is registered."""
from helpers_audit import post

OWN = ["Internal audits", "Nonconformities", "Corrective actions", "Improvements and their results",
       "Decisions of the previous review"]


def test_review_inputs_with_audit_alone(app, client, world):
    review = post(client, world["users"]["boss"], "/api/v1/management-reviews",
                  {"period_from": "2026-01-01", "period_to": "2026-06-30", "chair": "boss"}, 201).json
    assert [s["title"] for s in review["inputs"]] == OWN
    r = post(client, world["users"]["auditor"], "/api/v1/nonconformities",
             {"title": "x", "severity": "minor", "source_model": "rma_rma", "source_id": 1}, 422)
    assert "source_model" in r.json["error"]["fields"]
