"""Stand-ins for dbt's cross-database macros, rendering the DuckDB spelling for linting."""


def safe_cast(expr, type_):
    return f"cast({expr} as {type_})"


def type_timestamp():
    return "timestamp"


def type_float():
    return "double"


def type_bigint():
    return "bigint"


def type_numeric():
    return "numeric(28,6)"


def type_string():
    return "varchar"


def dateadd(datepart, interval, from_date_or_timestamp):
    return f"({from_date_or_timestamp} + ((interval '1 {datepart}') * ({interval})))"


def date_trunc(datepart, date):
    return f"date_trunc('{datepart}', {date})"


def datediff(first_date, second_date, datepart):
    return f"date_diff('{datepart}', {first_date}::timestamp, {second_date}::timestamp)"
