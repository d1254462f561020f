{#- Shared helpers of the routing, SLA and aging models (docs/routing-sla-aging.md). -#}

{#- The time routing, SLA and aging figures are computed as of: var operations_as_of when set, else the
    latest lead, activity or deal in the data (so figures never depend on the day the build runs, and a deals
    export newer than the others still counts). -#}
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
