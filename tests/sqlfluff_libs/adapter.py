"""Stand-ins for dbt's ``adapter`` so sqlfluff's jinja templater can render project macros.

Dispatch resolves to the project's own ``duckdb__`` (else ``default__``) macro from the template
context, so the linter sees exactly the SQL that runs on DuckDB.
"""

from jinja2 import pass_context


@pass_context
def dispatch(context, name, macro_namespace=None):
    return context.get("duckdb__" + name) or context.get("default__" + name)


def quote(identifier):
    return '"' + identifier + '"'


def get_columns_in_relation(relation):
    return []
