"""The predictive challenger: a model trained on closed outcomes, scored like the rules models.

It runs between the two dbt steps of a run: it reads the rules models' point-in-time track points
(``int_lead_score_instants``), the fit attributes and the known outcomes, trains a gradient-boosting
classifier on the older cohorts (time-based split), and writes its probability for every moment the
active rules model has a row for, into ``ml.lead_predictions``; ``fct_lead_score_history`` reads it as
one more model version. Features at a moment use only what was known by then, so the challenger is as
free of look-ahead as the rules. Training metadata goes to ``ml.lead_model_training``.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb
import numpy as np
import pandas as pd
from dagster import AssetExecutionContext, AssetKey, AssetOut, Output, multi_asset

from orchestration import progress
from orchestration.resources import Warehouse, sql_literal

SEED = 42
TRAIN_SHARE = 0.7  # oldest 70% of persons with a known outcome train, the newest 30% test
FEATURE_WINDOW_DAYS = 30  # training features: the last moment before the deal or 30 days after creation
MIN_TRAINING_ROWS = 200

CATEGORICAL = ("industry", "sales_region", "original_channel", "seniority")
NUMERIC_ATTRIBUTES = ("employee_count", "seniority_rank")


@dataclass
class TrainingReport:
    model_version: str
    status: str  # trained | skipped
    reason: str | None = None
    metadata: dict[str, Any] | None = None
    rows_scored: int = 0


def _features_sql(rules_versions: list[str], moments_version: str) -> str:
    """One row per (person, moment of the moments version) with every rules version's track points then
    (as-of join: the latest row at or before the moment) and the fit attributes known by then."""
    joins, columns = [], []
    for i, version in enumerate(rules_versions):
        alias = f"v{i}"
        joins.append(
            f"""asof left join (select * from intermediate.int_lead_score_instants
                               where model_version = {sql_literal(version)}) as {alias}
                on moments.person_id = {alias}.person_id and moments.scored_at >= {alias}.scored_at"""
        )
        for track in ("fit", "intent", "engagement"):
            columns.append(f"coalesce({alias}.{track}_points, 0) as {track}_{i}")
    attribute_columns = []
    for name in NUMERIC_ATTRIBUTES:
        attribute_columns.append(
            f"case when attrs.{name}_known_at <= moments.scored_at then attrs.{name} end as {name}"
        )
    for name in CATEGORICAL:
        # categories as integer codes (the model treats them as categories, not as numbers)
        attribute_columns.append(
            f"case when attrs.{name}_known_at <= moments.scored_at then attrs.{name}_code end as {name}"
        )
    codes = " ".join(
        f"""left join (select value_text, row_number() over (order by value_text) - 1 as code
                       from (select distinct value_text from intermediate.int_persons__fit_attributes
                             where attribute = '{n}' and value_text is not null)) as {n}_vocabulary
                on pivoted.{n} = {n}_vocabulary.value_text"""
        for n in CATEGORICAL
    )
    code_columns = ", ".join(f"{n}_vocabulary.code as {n}_code" for n in CATEGORICAL)
    pivot = ", ".join(
        f"any_value({'value_number' if n in NUMERIC_ATTRIBUTES else 'value_text'}) filter (where attribute = '{n}') "
        f"as {n}, any_value(known_at) filter (where attribute = '{n}') as {n}_known_at"
        for n in (*NUMERIC_ATTRIBUTES, *CATEGORICAL)
    )
    return f"""
        with pivoted as (
            select person_id, {pivot}
            from intermediate.int_persons__fit_attributes
            group by person_id
        ),
        attrs as (
            select pivoted.*, {code_columns}
            from pivoted
            {codes}
        ),
        moments as (
            select person_id, scored_at from intermediate.int_lead_score_instants
            where model_version = {sql_literal(moments_version)}
        )
        select moments.person_id, moments.scored_at, {", ".join(columns)}, {", ".join(attribute_columns)}
        from moments
        {" ".join(joins)}
        left join attrs on moments.person_id = attrs.person_id
    """


def _matrix(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    return frame[columns].to_numpy(dtype="float64", na_value=np.nan)


def train_and_score(con: duckdb.DuckDBPyConnection, log=progress.say) -> list[TrainingReport]:
    """Train every predictive model version of seeds/scoring_models.csv and write its probabilities."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import roc_auc_score

    con.execute("create schema if not exists ml")
    con.execute(
        "create table if not exists ml.lead_predictions "
        "(person_id varchar, model_version varchar, scored_at timestamp, probability double)"
    )
    con.execute(
        "create table if not exists ml.lead_model_training "
        "(model_version varchar, trained_at timestamp, metadata varchar)"
    )
    models = con.execute(
        "select model_version, model_type, is_active from reference.scoring_models order by model_version"
    ).fetchall()
    predictive = [m[0] for m in models if m[1] == "predictive"]
    rules = [m[0] for m in models if m[1] == "rules"]
    active_rules = [m[0] for m in models if m[1] == "rules" and m[2]] or rules
    reports: list[TrainingReport] = []
    if not predictive:
        return reports
    if not rules:
        return [TrainingReport(v, "skipped", "no rules model version to take features from") for v in predictive]

    con.execute(f"create or replace temp table predictive_features as {_features_sql(rules, active_rules[0])}")
    feature_columns = [
        c
        for (c,) in con.execute("select column_name from (describe predictive_features)").fetchall()
        if c not in ("person_id", "scored_at")
    ]
    categorical = [feature_columns.index(c) for c in CATEGORICAL]
    # training example: the person's last moment before their first deal (or outcome), within the
    # feature window after creation; the creation moment always qualifies
    examples = con.execute(
        f"""
        select features.*, outcomes.created_at, outcomes.outcome = 'won' as is_won
        from predictive_features as features
        inner join intermediate.int_persons__outcomes as outcomes on features.person_id = outcomes.person_id
        where outcomes.outcome in ('won', 'lost', 'aged_out')
            and (features.scored_at = outcomes.created_at or features.scored_at < least(
                outcomes.created_at + interval {FEATURE_WINDOW_DAYS} day,
                coalesce(outcomes.first_deal_at, outcomes.outcome_at, 'infinity'::timestamp),
                coalesce(outcomes.outcome_at, 'infinity'::timestamp)
            ))
        qualify row_number() over (partition by features.person_id order by features.scored_at desc) = 1
        order by outcomes.created_at, features.person_id
        """
    ).df()
    moments = con.execute("select count(*) from predictive_features").fetchone()[0]
    log(f"scoring  predictive features: {moments:,} moments, {len(examples):,} persons with a known outcome")
    labels = examples["is_won"].to_numpy(dtype=int)

    for version in predictive:
        con.execute("delete from ml.lead_predictions where model_version = ?", [version])
        if len(examples) < MIN_TRAINING_ROWS or labels.sum() < 10 or labels.sum() == len(labels):
            reason = f"{len(examples)} persons with a known outcome, {int(labels.sum())} won: too few to train"
            reports.append(TrainingReport(version, "skipped", reason))
            _record(con, version, {"status": "skipped", "reason": reason})
            log(f"scoring  {version}: skipped ({reason})")
            continue
        split = int(len(examples) * TRAIN_SHARE)
        split_at = examples["created_at"].iloc[split]
        model = HistGradientBoostingClassifier(
            random_state=SEED, max_iter=200, learning_rate=0.1, categorical_features=categorical
        )
        model.fit(_matrix(examples.iloc[:split], feature_columns), labels[:split])
        test_labels = labels[split:]
        test_scores = model.predict_proba(_matrix(examples.iloc[split:], feature_columns))[:, 1]
        test_auc = float(roc_auc_score(test_labels, test_scores)) if 0 < test_labels.sum() < len(test_labels) else None
        # score every moment (numeric features only: ~100 bytes a moment, 0.6 GB at 5.6M moments)
        moments_frame = con.execute("select * from predictive_features").df()
        scored = pd.DataFrame(
            {
                "person_id": moments_frame["person_id"],
                "model_version": version,
                "scored_at": moments_frame["scored_at"],
                "probability": model.predict_proba(_matrix(moments_frame, feature_columns))[:, 1].round(8),
            }
        )
        del moments_frame
        con.register("new_predictions", scored)
        con.execute("insert into ml.lead_predictions select * from new_predictions")
        con.unregister("new_predictions")
        written = len(scored)
        metadata = {
            "status": "trained",
            "algorithm": "sklearn HistGradientBoostingClassifier(max_iter=200, learning_rate=0.1, native categories)",
            "random_state": SEED,
            "features": feature_columns,
            "categorical_features": list(CATEGORICAL),
            "feature_moments_from": active_rules[0],
            "feature_window_days": FEATURE_WINDOW_DAYS,
            "split": f"time-based: persons created before {split_at} train ({TRAIN_SHARE:.0%})",
            "split_created_at": str(split_at),
            "train_rows": int(split),
            "train_won": int(labels[:split].sum()),
            "test_rows": len(examples) - split,
            "test_won": int(test_labels.sum()),
            "test_roc_auc": test_auc,
            "rows_scored": written,
        }
        _record(con, version, metadata)
        reports.append(TrainingReport(version, "trained", metadata=metadata, rows_scored=written))
        log(f"scoring  {version}: trained on {split:,} persons, test AUC {test_auc}, {written:,} scores")
    return reports


def _record(con: duckdb.DuckDBPyConnection, version: str, metadata: dict[str, Any]) -> None:
    con.execute(
        "insert into ml.lead_model_training values (?, ?, ?)",
        [version, datetime.now(UTC).replace(tzinfo=None), json.dumps(metadata, default=str)],
    )


@multi_asset(
    name="predictive_lead_scores",
    outs={
        "lead_predictions": AssetOut(key=AssetKey(["ml", "lead_predictions"]), group_name="scoring"),
        "lead_model_training": AssetOut(key=AssetKey(["ml", "lead_model_training"]), group_name="scoring"),
    },
    deps=[
        AssetKey(["intermediate", "int_lead_score_instants"]),
        AssetKey(["intermediate", "int_persons__fit_attributes"]),
        AssetKey(["intermediate", "int_persons__outcomes"]),
        AssetKey(["reference", "scoring_models"]),
    ],
    description=(
        "Predictive challenger: gradient boosting trained on older cohorts' closed outcomes (time-based split), "
        "scoring every moment of the active rules model as another model version."
    ),
)
def predictive_lead_scores(context: AssetExecutionContext, warehouse: Warehouse):
    progress.say("scoring  predictive challenger")
    with warehouse.connect() as con:
        reports = train_and_score(con)
    summary = {r.model_version: r.metadata or {"status": r.status, "reason": r.reason} for r in reports}
    yield Output(None, output_name="lead_predictions", metadata={"models": summary})
    yield Output(None, output_name="lead_model_training", metadata={"versions": len(reports)})
