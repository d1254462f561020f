{#- Typing raw text without ever crashing a run: a value that does not parse becomes NULL and the model
    records the field in `invalid_fields`. dbt.safe_cast compiles to a plain CAST on DuckDB (which
    raises), hence these dispatched macros. -#}

{% macro blank_to_null(expr) -%}
    nullif(trim({{ expr }}), '')
{%- endmacro %}

{% macro lf_try_cast(expr, type) -%}
    {{ return(adapter.dispatch('lf_try_cast', 'leadflow')(expr, type)) }}
{%- endmacro %}

{% macro default__lf_try_cast(expr, type) -%}
    {{ dbt.safe_cast(expr, type) }}
{%- endmacro %}

{% macro duckdb__lf_try_cast(expr, type) -%}
    try_cast({{ expr }} as {{ type }})
{%- endmacro %}

{#- Timestamps arrive with mixed offsets (Z, +02:00, -0500) or none (meaning UTC). The result is a
    timezone-naive timestamp in UTC, the convention of every `_at` column. -#}
{% macro to_utc_timestamp(expr) -%}
    {{ return(adapter.dispatch('to_utc_timestamp', 'leadflow')(expr)) }}
{%- endmacro %}

{% macro default__to_utc_timestamp(expr) -%}
    {{ lf_try_cast(blank_to_null(expr), dbt.type_timestamp()) }}
{%- endmacro %}

{#- The instant as microseconds since the epoch, made a naive timestamp: the same value as `at time zone 'UTC'`
    without ICU's time-zone conversion (L's 20M occurred_at: 4.4 s against 5.8 s). Infinite values, which give
    NULL here, are rejected by ingest (rows loaded before it was could hold them: a not_null test names them). -#}
{% macro duckdb__to_utc_timestamp(expr) -%}
    make_timestamp(epoch_us(try_cast({{ blank_to_null(expr) }} as timestamptz)))
{%- endmacro %}

{% macro to_date(expr) -%}
    cast({{ to_utc_timestamp(expr) }} as date)
{%- endmacro %}

{#- Exports write counts as "1,200", "50" or "50.0" (float columns in Parquet). -#}
{% macro to_integer(expr) -%}
    {%- set number = lf_try_cast("replace(" ~ blank_to_null(expr) ~ ", ',', '')", dbt.type_float()) -%}
    case when {{ number }} = floor({{ number }}) then {{ dbt.safe_cast(number, dbt.type_bigint()) }} end
{%- endmacro %}

{% macro to_decimal(expr, precision=18, scale=2) -%}
    {{ lf_try_cast("regexp_replace(" ~ blank_to_null(expr) ~ ", '[,$€£\\s]', '', 'g')", "decimal(" ~ precision ~ "," ~ scale ~ ")") }}
{%- endmacro %}

{% macro to_boolean(expr) -%}
    case
        when lower(trim({{ expr }})) in ('true', 't', 'yes', 'y', '1') then true
        when lower(trim({{ expr }})) in ('false', 'f', 'no', 'n', '0') then false
    end
{%- endmacro %}

{#- True when the export had a value but typing or mapping produced none. -#}
{% macro is_invalid(raw_expr, typed_expr) -%}
    ({{ blank_to_null(raw_expr) }} is not null and {{ typed_expr }} is null)
{%- endmacro %}
