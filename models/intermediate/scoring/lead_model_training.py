"""The predictive challenger's training (orchestration/scoring.py): one row per predictive model version of
seeds/scoring_models.csv, with its metadata and the fitted model that lead_predictions scores with."""


def model(dbt, session):
    dbt.config(materialized="table", schema="ml")
    # what train() reads, so dbt builds it first
    dbt.ref("int_lead_score_instants")
    dbt.ref("int_persons__fit_attributes")
    dbt.ref("int_persons__outcomes")
    dbt.ref("scoring_models")
    from orchestration.scoring import train

    return train(session)
