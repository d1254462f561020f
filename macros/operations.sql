{#- Shared helpers of the routing, SLA and aging models (docs/routing-sla-aging.md). -#}

{#- The time routing, SLA and aging figures are computed as of: var operations_as_of when set, else the
    latest lead, activity or deal creation in the data (so figures never depend on the day the build runs, and
    a deals export newer than the others still counts; a deal's close or update time does not move it). -#}
{% macro operations_horizon() -%}
    {%- if var('operations_as_of', none) -%}
    cast('{{ var("operations_as_of") }}' as timestamp)
    {%- else -%}
    greatest(
        (select max(created_at) from {{ ref('stg_leads') }}),
        (select max(occurred_at) from {{ ref('stg_activities') }}),
        (select max(created_at) from {{ ref('stg_deals') }})
    )
    {%- endif -%}
{%- endmacro %}

{#- Does a seed condition allow a value? The condition is a "|"-separated list compared
    case-insensitively; a blank condition allows anything, a set condition never allows a missing value. -#}
{% macro pipe_list_allows(condition, value) -%}
    (
        {{ condition }} is null
        or coalesce(list_contains(string_split(lower({{ condition }}), '|'), lower(trim({{ value }}))), false)
    )
{%- endmacro %}

{#- Is a rep routable on a given local day: a member of a pool (capacity above zero, or blank for a
    queue without limit) and inside the active_from / active_to window. -#}
{% macro rep_is_active(reps, local_date) -%}
    (
        coalesce({{ reps }}.daily_capacity, 1) > 0
        and {{ local_date }} >= {{ reps }}.active_from
        and ({{ reps }}.active_to is null or {{ local_date }} <= {{ reps }}.active_to)
    )
{%- endmacro %}

{#- Every Monday from first_week to last_week (columns of the one-row relation bounds, dates of Mondays), one
    row each (column week_start): a calendar, so a week in which nothing of one kind happened still has its row.
    Portable SQL (no generator function): offsets 0-9999 from four cross-joined digits, about 190 years. -#}
{% macro week_spine(bounds, first_week, last_week) -%}
    select cast({{ dbt.dateadd('week', 'week_offsets.week_offset', bounds ~ '.' ~ first_week) }} as date) as week_start
    from {{ bounds }}
    cross join (
        select ones.n + 10 * tens.n + 100 * hundreds.n + 1000 * thousands.n as week_offset
        from (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) as ones (n)
        cross join (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) as tens (n)
        cross join (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) as hundreds (n)
        cross join (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) as thousands (n)
    ) as week_offsets
    where {{ dbt.dateadd('week', 'week_offsets.week_offset', bounds ~ '.' ~ first_week) }} <= {{ bounds }}.{{ last_week }}
{%- endmacro %}
