"""leadflow orchestration: Dagster assets, checks, resources, schedules and the CLI."""
