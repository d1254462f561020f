def _project_vars() -> dict:
    import pathlib

    import yaml

    project = pathlib.Path(__file__).resolve().parents[2] / "dbt_project.yml"
    return yaml.safe_load(project.read_text()).get("vars", {})


def var(name, default=None):
    """dbt's var() with the project's real values, so list and dict vars render as in dbt."""
    return _project_vars().get(name, default)
