{{ config(meta={'dagster': {'ref': {'name': 'fct_lead_assignments'}}}) }}
-- Each initial assignment reconciles with seeds/routing_rules.csv, re-evaluated here: the rule applied
-- is the first matching rule by priority (or fallback when none matches), a direct rule's owner is its
-- rep, a pooled rule's owner is in its team, and a fallback owner is the fallback queue.
with

assignments as (
    select * from {{ ref('fct_lead_assignments') }}
    where event_type = 'initial'
),

leads as (
    select * from {{ ref('int_routing__leads') }}
),

rules as (
    select * from {{ ref('routing_rules') }}
),

first_matches as (
    select
        leads.person_id,
        min_by(rules.rule_id, rules.priority) as expected_rule_id
    from leads
    inner join rules
        on
            (rules.sales_regions is null or list_contains(string_split(lower(rules.sales_regions), '|'), lower(leads.sales_region)))
            and (rules.country_codes is null or list_contains(string_split(lower(rules.country_codes), '|'), lower(leads.country_code)))
            and (rules.industries is null or list_contains(string_split(lower(rules.industries), '|'), lower(leads.industry)))
            and (rules.product_interests is null or list_contains(string_split(lower(rules.product_interests), '|'), lower(leads.product_interest)))
            and (rules.score_bands is null or list_contains(string_split(lower(rules.score_bands), '|'), lower(leads.score_band_at_creation)))
            and (rules.channels is null or list_contains(string_split(lower(rules.channels), '|'), lower(leads.channel)))
            and (rules.min_employees is null or leads.employee_count >= rules.min_employees)
            and (rules.max_employees is null or leads.employee_count < rules.max_employees)
    group by leads.person_id
)

select
    assignments.person_id,
    assignments.rule_id,
    assignments.matched_rule_id,
    first_matches.expected_rule_id,
    assignments.owner_id
from assignments
left join first_matches on assignments.person_id = first_matches.person_id
left join rules on assignments.rule_id = rules.rule_id
where
    assignments.matched_rule_id is distinct from first_matches.expected_rule_id
    or (assignments.rule_id != 'fallback' and assignments.rule_id != first_matches.expected_rule_id)
    or (rules.method = 'direct' and assignments.owner_id != rules.target_rep_id)
    or (rules.method in ('round_robin', 'load_balanced') and assignments.owner_team != rules.target_team)
    or (assignments.rule_id = 'fallback' and assignments.owner_id != '{{ var("routing_fallback_rep_id") }}')
