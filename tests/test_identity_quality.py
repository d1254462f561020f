"""Identity resolution on generated size M (≈100k lead records, every duplicate kind, spam and customers)
scored against the generator's ground truth, the figures the closing note and docs/identity.md quote."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestration.evaluate import IdentityScores, evaluate_identity
from orchestration.run import run_pipeline
from tests.conftest import settings_for


@pytest.fixture(scope="module")
def scores_m(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IdentityScores]:
    from orchestration.generate import generate

    monkeypatch = pytest.MonkeyPatch()
    data: Path = tmp_path_factory.mktemp("identity_m") / "data"
    settings = settings_for(data, monkeypatch)
    generate(out=data, size="M", seed=11)
    summary = run_pipeline(settings)
    assert summary.success, summary.to_json()
    yield evaluate_identity(settings.analytics_path, data / "ground_truth")
    monkeypatch.undo()


def test_duplicate_pairs_precision_and_recall_on_m(scores_m: IdentityScores) -> None:
    assert scores_m.unmatched_rows == 0
    assert scores_m.true_pairs > 20_000
    assert scores_m.pair_precision >= 0.995, scores_m.to_json()
    assert scores_m.pair_recall >= 0.98, scores_m.to_json()
    # every kind of duplicate is found, not just the easy ones
    assert min(scores_m.recall_by_duplicate_kind.values()) >= 0.98, scores_m.to_json()


def test_no_merges_of_colleagues_sharing_a_domain_on_m(scores_m: IdentityScores) -> None:
    assert scores_m.false_merges_sharing_domain == 0


def test_spam_precision_and_recall_on_m(scores_m: IdentityScores) -> None:
    assert scores_m.spam_records > 2_000
    assert scores_m.spam_precision >= 0.98 and scores_m.spam_recall >= 0.95, scores_m.to_json()


def test_existing_customers_are_found_on_m(scores_m: IdentityScores) -> None:
    # persons with no company, domain or contact address cannot be matched to an account: recall < 1
    assert scores_m.customer_precision >= 0.99 and scores_m.customer_recall >= 0.9, scores_m.to_json()
