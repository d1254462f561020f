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

{#- A date column (expected_close_date) is the calendar date as written, read as ingest validated it: a value
    written with a time and an offset keeps its own date rather than the date of that instant in UTC. -#}
{% macro to_date(expr) -%}
    {{ lf_try_cast(blank_to_null(expr), "date") }}
{%- endmacro %}

{#- Numbers as exports write them: currency signs and spaces dropped, and commas only where they group thousands
    ("1,234,567.50"). A decimal comma ("1234,56") is not guessed at: the value is invalid (NULL, flagged in
    invalid_fields) rather than read as 123456. -#}
{% macro number_text(expr) -%}
    {%- set text = "regexp_replace(" ~ blank_to_null(expr) ~ ", '[$€£\\s]', '', 'g')" -%}
    case
        when {{ text }} like '%,%' and regexp_full_match({{ text }}, '[+-]?[0-9]{1,3}(,[0-9]{3})+([.][0-9]*)?')
            then replace({{ text }}, ',', '')
        else {{ text }}
    end
{%- endmacro %}

{#- Exports write counts as "1,200", "50" or "50.0" (float columns in Parquet). Read through a decimal, not a
    float: a 32-bit float would turn 16777217 into 16777216. -#}
{% macro to_integer(expr) -%}
    {%- set number = lf_try_cast(number_text(expr), dbt.type_numeric()) -%}
    case when {{ number }} = floor({{ number }}) then {{ dbt.safe_cast(number, dbt.type_bigint()) }} end
{%- endmacro %}

{% macro to_decimal(expr, precision=18, scale=2) -%}
    {{ lf_try_cast(number_text(expr), "decimal(" ~ precision ~ "," ~ scale ~ ")") }}
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
