"""The predictive challenger's probabilities (orchestration/scoring.py) at every moment the active rules model
has a row for, from the models lead_model_training fitted in the same build."""


def model(dbt, session):
    dbt.config(materialized="table", schema="ml")
    training = dbt.ref("lead_model_training")
    # the features predict() reads, so dbt builds them first
    dbt.ref("int_lead_score_instants")
    dbt.ref("int_persons__fit_attributes")
    from orchestration.scoring import predict

    return predict(session, training)
