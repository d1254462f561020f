{#- The few generic tests the project needs (the dbt package hub is unreachable, so no dbt_utils). -#}

{% test expression_is_true(model, expression, column_name=none) %}
select *
from {{ model }}
where not coalesce(({{ expression }}), false)
{% endtest %}

{% test at_least_one_not_null(model, columns) %}
select *
from {{ model }}
where {% for column in columns %}{{ column }} is null{{ " and " if not loop.last }}{% endfor %}
{% endtest %}

{#- Every value of the column is a key of a seed map (or null): a new spelling must be added to the
    map by RevOps rather than silently becoming "unknown". -#}
{% test mapped_through(model, column_name, to, field) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} is not null
    and {{ column_name }} not in (select {{ field }} from {{ to }} where {{ field }} is not null)
{% endtest %}

{#- No two rows share the same values of the columns (a composite key). -#}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as rows_with_key
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}

{#- Reconciliation of a staging model with its raw table: every record id that reached raw appears in the
    model's key column, and no key appears that raw does not have (uniqueness is the `unique` test's job).
    One per entity, so each runs as soon as its own model is built rather than after the last of them. -#}
{% test keeps_every_raw_record(model, column_name, raw_table, id_column) %}
with

raw_keys as (
    select distinct
        coalesce(lower(nullif(trim(source_system), '')), '{{ var("default_source_system") }}')
        || ':' || trim({{ id_column }}) as record_key
    from {{ source('raw', raw_table) }}
),

staged_keys as (
    select {{ column_name }} as record_key
    from {{ model }}
)

select
    coalesce(raw_keys.record_key, staged_keys.record_key) as record_key,
    case when staged_keys.record_key is null then 'in raw, not staged' else 'staged, not in raw' end as problem
from raw_keys
full outer join staged_keys on raw_keys.record_key = staged_keys.record_key
where raw_keys.record_key is null or staged_keys.record_key is null
{% endtest %}
