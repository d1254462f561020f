{#- Does a value satisfy a scoring rule? Rules are rows of seeds/scoring_rules.csv, so the operator is
    data, evaluated here for every operator the seed may use. Text compares case-insensitively; list
    values (in, not_in) and ranges (between, inclusive) are separated by "|". A null value matches only
    is_null. -#}
{% macro rule_matches(operator, rule_value, text_value, number_value) -%}
    coalesce(case {{ operator }}
        when 'eq' then lower({{ text_value }}) = lower({{ rule_value }})
        when 'neq' then lower({{ text_value }}) != lower({{ rule_value }})
        when 'in' then list_contains(string_split(lower({{ rule_value }}), '|'), lower({{ text_value }}))
        when 'not_in' then not list_contains(string_split(lower({{ rule_value }}), '|'), lower({{ text_value }}))
        when 'contains' then contains(lower({{ text_value }}), lower({{ rule_value }}))
        when 'gt' then {{ number_value }} > try_cast({{ rule_value }} as double)
        when 'gte' then {{ number_value }} >= try_cast({{ rule_value }} as double)
        when 'lt' then {{ number_value }} < try_cast({{ rule_value }} as double)
        when 'lte' then {{ number_value }} <= try_cast({{ rule_value }} as double)
        when 'between' then {{ number_value }} between try_cast(split_part({{ rule_value }}, '|', 1) as double)
            and try_cast(split_part({{ rule_value }}, '|', 2) as double)
        when 'is_null' then {{ text_value }} is null
        when 'not_null' then {{ text_value }} is not null
    end, false)
{%- endmacro %}

{#- The operators rule_matches understands (the seed's accepted values). -#}
{% macro scoring_operators() -%}
    {{ return(['eq', 'neq', 'in', 'not_in', 'contains', 'gt', 'gte', 'lt', 'lte', 'between', 'is_null', 'not_null']) }}
{%- endmacro %}

{#- The time scores are computed up to: var scoring_as_of when set, else the latest activity in the
    data (so scores never depend on the day the build runs). -#}
{% macro scoring_horizon() -%}
    {%- if var('scoring_as_of', none) -%}
    cast('{{ var("scoring_as_of") }}' as timestamp)
    {%- else -%}
    (select max(occurred_at) from {{ ref('stg_activities') }})
    {%- endif -%}
{%- endmacro %}

{#- The (track, half-life) pairs the rules use, read from the seed when the model runs: each pair gets
    its own running sum, so decayed scores are computed with window functions instead of pairwise joins.
    Empty while dbt only parses. -#}
{% macro scoring_decay_classes() -%}
    {%- if execute -%}
        {%- set rows = run_query(
            "select distinct track, half_life_days from " ~ ref('scoring_rules') ~ " order by 1, 2 nulls first"
        ).rows -%}
        {{ return(rows | list) }}
    {%- else -%}
        {{ return([]) }}
    {%- endif -%}
{%- endmacro %}

{#- Bits per rule mask column of int_lead_score_instants: 64, an unsigned BIGINT. Tests set the undeclared var
    leadflow_rule_mask_bits lower to exercise several mask columns on a few rules. -#}
{% macro scoring_rule_mask_bits() -%}
    {{ return(var('leadflow_rule_mask_bits', 64) | int) }}
{%- endmacro %}

{#- Every rule id a score contribution can carry: the rules' own and the creation baseline
    (int_lead_score_contributions names it `lead_created`). -#}
{% macro scoring_rule_ids() -%}
    select rule_id from {{ ref('scoring_rules') }}
    union
    select 'lead_created' as rule_id
{%- endmacro %}

{#- How many mask columns int_lead_score_instants needs to give every rule id a bit. One when not executing
    (parsing needs no data). -#}
{% macro scoring_rule_mask_words() -%}
    {%- if execute -%}
        {%- set bits = scoring_rule_mask_bits() -%}
        {%- set rows = run_query("select count(*) from (" ~ scoring_rule_ids() ~ ")").rows -%}
        {{ return(((rows[0][0] + bits - 1) // bits) | int) }}
    {%- else -%}
        {{ return(1) }}
    {%- endif -%}
{%- endmacro %}

{#- A rules model's score from its track points (seeds/scoring_models.csv `combine`): `sum` adds the
    tracks; `weighted` scales each track's points by its cap (clamped to 0-1), weighs and scales to 100.
    Null for other combines (the predictive model brings its own probability). -#}
{% macro combine_score(model, fit, intent, engagement) -%}
    case {{ model }}.combine
        when 'sum' then {{ fit }} + {{ intent }} + {{ engagement }}
        when 'weighted' then 100 * (
            coalesce({{ model }}.fit_weight, 0) * least(greatest({{ fit }} / {{ model }}.fit_cap, 0), 1)
            + coalesce({{ model }}.intent_weight, 0) * least(greatest({{ intent }} / {{ model }}.intent_cap, 0), 1)
            + coalesce({{ model }}.engagement_weight, 0)
            * least(greatest({{ engagement }} / {{ model }}.engagement_cap, 0), 1)
        )
    end
{%- endmacro %}
