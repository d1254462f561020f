"""The predictive challenger: a model trained on closed outcomes, scored like the rules models.

Two dbt Python models run it inside the one dbt build of a run (models/intermediate/scoring/):
``lead_model_training`` reads the rules models' point-in-time track points (``int_lead_score_instants``),
the fit attributes and the known outcomes, trains a gradient-boosting classifier on the older cohorts
(time-based split) and keeps the fitted model with its metadata; ``lead_predictions`` scores every moment
the active rules model has a row for with it; ``fct_lead_score_history`` reads those as one more model
version. Features at a moment use only what was known by then, so the challenger is as free of look-ahead
as the rules. Both run in dbt's process, so a run starts dbt once (a second dbt process cost ~5 s).
"""

import json
import pickle
from datetime import UTC, datetime

import duckdb
import numpy as np
import pandas as pd

# No Dagster import here: this module runs inside dbt's process, where importing Dagster would cost ~3 s.

SEED = 42
TRAIN_SHARE = 0.7  # oldest 70% of persons with a known outcome train, the newest 30% test
FEATURE_WINDOW_DAYS = 30  # training features: the last moment before the deal or 30 days after creation
MIN_TRAINING_ROWS = 200
KNOWN = "('won', 'lost', 'aged_out')"  # outcomes a person can be trained on

CATEGORICAL = ("industry", "sales_region", "original_channel", "seniority")
NUMERIC_ATTRIBUTES = ("employee_count", "seniority_rank")


VOCABULARY = "predictive_vocabulary"  # (attribute, value_text, code): the categories' integer codes


def sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _features_sql(rules_versions: list[str], moments_version: str, only_known_outcomes: bool = False) -> str:
    """One row per (person, moment of the moments version) with every rules version's track points then
    (as-of join: the latest row at or before the moment) and the fit attributes known by then; categories
    as the codes of the relation VOCABULARY, which training writes and scoring reuses from the model."""
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
        f"""left join (select value_text, code from {VOCABULARY} where attribute = '{n}') as {n}_vocabulary
                on pivoted.{n} = {n}_vocabulary.value_text"""
        for n in CATEGORICAL
    )
    code_columns = ", ".join(f"{n}_vocabulary.code as {n}_code" for n in CATEGORICAL)
    outcome_filter = (
        f" and person_id in (select person_id from intermediate.int_persons__outcomes where outcome in {KNOWN})"
        if only_known_outcomes
        else ""
    )
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
            where model_version = {sql_literal(moments_version)}{outcome_filter}
        )
        select moments.person_id, moments.scored_at, {", ".join(columns)}, {", ".join(attribute_columns)}
        from moments
        {" ".join(joins)}
        left join attrs on moments.person_id = attrs.person_id
    """


def _matrix(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    return frame[columns].to_numpy(dtype="float64", na_value=np.nan)


def _vocabulary(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    names = ", ".join(sql_literal(n) for n in CATEGORICAL)
    return con.execute(
        f"""
        select attribute, value_text, (row_number() over (partition by attribute order by value_text) - 1)::integer
            as code
        from (select distinct attribute, value_text from intermediate.int_persons__fit_attributes
              where attribute in ({names}) and value_text is not null)
        order by all
        """
    ).df()


def _versions(con: duckdb.DuckDBPyConnection) -> tuple[list[str], list[str], list[str]]:
    """(predictive, rules, active rules) model versions of seeds/scoring_models.csv."""
    models = con.execute(
        "select model_version, model_type, is_active from reference.scoring_models order by model_version"
    ).fetchall()
    rules = [m[0] for m in models if m[1] == "rules"]
    return (
        [m[0] for m in models if m[1] == "predictive"],
        rules,
        [m[0] for m in models if m[1] == "rules" and m[2]] or rules,
    )


def train(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyRelation:
    """Train every predictive model version: one row per version with its metadata (JSON) and the fitted
    model (pickled with its features and category codes, null when skipped), for ``lead_predictions``."""
    predictive, rules, active_rules = _versions(con)
    rows: list[tuple[str, str, bytes | None]] = []
    if predictive and not rules:
        reason = "no rules model version to take features from"
        rows = [(v, json.dumps({"status": "skipped", "reason": reason}), None) for v in predictive]
        predictive = []
    if predictive:
        vocabulary = _vocabulary(con)
        con.register(VOCABULARY, vocabulary)
        # training example: the person's last moment before their first deal (or outcome), within the
        # feature window after creation; the creation moment always qualifies
        examples = con.execute(
            f"""
            select features.*, outcomes.created_at, outcomes.outcome = 'won' as is_won
            from ({_features_sql(rules, active_rules[0], only_known_outcomes=True)}) as features
            inner join intermediate.int_persons__outcomes as outcomes on features.person_id = outcomes.person_id
            where outcomes.outcome in {KNOWN}
                and (features.scored_at = outcomes.created_at or features.scored_at < least(
                    outcomes.created_at + interval {FEATURE_WINDOW_DAYS} day,
                    coalesce(outcomes.first_deal_at, outcomes.outcome_at, 'infinity'::timestamp),
                    coalesce(outcomes.outcome_at, 'infinity'::timestamp)
                ))
            qualify row_number() over (partition by features.person_id order by features.scored_at desc) = 1
            order by outcomes.created_at, features.person_id
            """
        ).df()
        con.unregister(VOCABULARY)
        labels = examples["is_won"].to_numpy(dtype=int)
        feature_columns = [c for c in examples.columns if c not in ("person_id", "scored_at", "created_at", "is_won")]
        categorical = [feature_columns.index(c) for c in CATEGORICAL]
    for version in predictive:
        if len(examples) < MIN_TRAINING_ROWS or labels.sum() < 10 or labels.sum() == len(labels):
            reason = f"{len(examples)} persons with a known outcome, {int(labels.sum())} won: too few to train"
            rows.append((version, json.dumps({"status": "skipped", "reason": reason}), None))
            continue
        # imported only to fit: scikit-learn takes ~3 s to import, which every run on too little data to
        # train (most test runs, a first day's data) would pay for nothing
        from sklearn.ensemble import HistGradientBoostingClassifier
        from sklearn.metrics import roc_auc_score

        split = int(len(examples) * TRAIN_SHARE)
        split_at = examples["created_at"].iloc[split]
        model = HistGradientBoostingClassifier(
            random_state=SEED, max_iter=200, learning_rate=0.1, categorical_features=categorical
        )
        model.fit(_matrix(examples.iloc[:split], feature_columns), labels[:split])
        test_labels = labels[split:]
        test_scores = model.predict_proba(_matrix(examples.iloc[split:], feature_columns))[:, 1]
        test_auc = float(roc_auc_score(test_labels, test_scores)) if 0 < test_labels.sum() < len(test_labels) else None
        metadata = {
            "status": "trained",
            "algorithm": "sklearn HistGradientBoostingClassifier(max_iter=200, learning_rate=0.1, native categories)",
            "random_state": SEED,
            "features": feature_columns,
            "categorical_features": list(CATEGORICAL),
            "feature_moments_from": active_rules[0],
            "feature_rules_versions": rules,
            "feature_window_days": FEATURE_WINDOW_DAYS,
            "split": f"time-based: persons created before {split_at} train ({TRAIN_SHARE:.0%})",
            "split_created_at": str(split_at),
            "train_rows": int(split),
            "train_won": int(labels[:split].sum()),
            "test_rows": len(examples) - split,
            "test_won": int(test_labels.sum()),
            "test_roc_auc": test_auc,
        }
        fitted = {"model": model, "vocabulary": vocabulary, "features": feature_columns}
        rows.append((version, json.dumps(metadata, default=str), pickle.dumps(fitted)))
    trained_at = datetime.now(UTC).replace(tzinfo=None)
    frame = pd.DataFrame(
        {
            "model_version": [r[0] for r in rows],
            "trained_at": [trained_at] * len(rows),
            "metadata": [r[1] for r in rows],
            "model": [r[2] for r in rows],
        }
    )
    con.register("lead_model_training_frame", frame)
    return con.sql(
        "select model_version::varchar as model_version, trained_at::timestamp as trained_at, "
        "metadata::varchar as metadata, model::blob as model from lead_model_training_frame"
    )


def predict(con: duckdb.DuckDBPyConnection, training: duckdb.DuckDBPyRelation) -> duckdb.DuckDBPyRelation:
    """Every trained version's probability at every moment of the rules version it took its features
    from; ``training`` holds what :func:`train` returned."""
    parts = []
    trained = training.filter("model is not null").select("model_version, metadata, model").order("model_version")
    for version, metadata, blob in trained.fetchall():
        info = json.loads(metadata)
        fitted = pickle.loads(blob)
        con.register(VOCABULARY, fitted["vocabulary"])
        # numeric features only: ~100 bytes a moment, 0.6 GB at 5.6M moments
        moments = con.execute(_features_sql(info["feature_rules_versions"], info["feature_moments_from"])).df()
        con.unregister(VOCABULARY)
        parts.append(
            pd.DataFrame(
                {
                    "person_id": moments["person_id"],
                    "model_version": version,
                    "scored_at": moments["scored_at"],
                    "probability": fitted["model"].predict_proba(_matrix(moments, fitted["features"]))[:, 1].round(8),
                }
            )
        )
        del moments
    if not parts:
        parts.append(pd.DataFrame({"person_id": [], "model_version": [], "scored_at": [], "probability": []}))
    frame = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
    con.register("lead_predictions_frame", frame)
    return con.sql(
        "select person_id::varchar as person_id, model_version::varchar as model_version, "
        "scored_at::timestamp as scored_at, probability::double as probability from lead_predictions_frame"
    )
