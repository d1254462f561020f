-- Routing audit for RevOps, one row per (applied rule, routing reason, owner) over initial assignments:
-- how often each rule matches, how often leads fall back, how leads spread over reps compared with a
-- fair share, the worst round-robin imbalance of the team, and how often the CRM's own owner disagrees.
-- Fair share: each pooled lead counts 1 / roster size for every roster member under round_robin,
-- capacity / roster capacity under load_balanced (before daily capacity is applied).
with

routed as (
    select * from {{ ref('int_leads__routed') }}
),

assignments as (
    select * from {{ ref('fct_lead_assignments') }}
),

reps as (
    select * from {{ ref('reps') }}
),

initial as (
    select * from assignments
    where event_type = 'initial'
),

routable as (
    select count(*) as routable_leads from initial
),

rule_matches as (
    select
        coalesce(matched_rule_id, 'fallback') as rule_id,
        count(*) as matched_leads
    from routed
    group by coalesce(matched_rule_id, 'fallback')
),

roster_entries as (
    select
        routed.person_id,
        routed.matched_rule_id,
        routed.method,
        routed.rule_rep_id,
        unnest(string_split(routed.roster, '|')) as member_id
    from routed
    where routed.roster is not null
),

roster_totals as (
    select
        roster_entries.person_id,
        count(*) as roster_size,
        sum(coalesce(reps.daily_capacity, 1)) as roster_capacity
    from roster_entries
    inner join reps on roster_entries.member_id = reps.rep_id
    group by roster_entries.person_id
),

fair_shares as (
    select
        roster_entries.matched_rule_id as rule_id,
        roster_entries.member_id as owner_id,
        sum(
            case
                when roster_entries.method = 'load_balanced'
                    then coalesce(members.daily_capacity, 1) / roster_totals.roster_capacity
                else 1.0 / roster_totals.roster_size
            end
        ) as fair_share_leads,
        count(*) filter (where roster_entries.rule_rep_id = roster_entries.member_id) as picked_leads
    from roster_entries
    inner join reps as members on roster_entries.member_id = members.rep_id
    inner join roster_totals on roster_entries.person_id = roster_totals.person_id
    group by roster_entries.matched_rule_id, roster_entries.member_id
),

-- Round-robin runs: consecutive leads of a team (rotation order) with the same roster.
rotation_runs as (
    select
        target_team,
        roster,
        rule_rep_id,
        rotation_number - row_number() over (partition by target_team, roster order by rotation_number) as run_number
    from routed
    where method = 'round_robin' and roster is not null
),

run_members as (
    select distinct
        target_team,
        roster,
        run_number,
        unnest(string_split(roster, '|')) as member_id
    from rotation_runs
),

run_counts as (
    select
        runs.target_team,
        runs.roster,
        runs.run_number,
        runs.member_id,
        count(rotation_runs.rule_rep_id) as picks
    from run_members as runs
    left join rotation_runs
        on
            runs.target_team = rotation_runs.target_team
            and runs.roster = rotation_runs.roster
            and runs.run_number = rotation_runs.run_number
            and runs.member_id = rotation_runs.rule_rep_id
    group by runs.target_team, runs.roster, runs.run_number, runs.member_id
),

team_spread as (
    select
        target_team,
        max(spread) as max_rotation_spread
    from (
        select
            target_team,
            max(picks) - min(picks) as spread
        from run_counts
        group by target_team, roster, run_number
    ) as run_spreads
    group by target_team
),

requeued as (
    select
        rule_id,
        previous_owner_id as owner_id,
        count(*) as requeued_away_leads
    from assignments
    where event_type = 'requeue'
    group by rule_id, previous_owner_id
),

grouped as (
    select
        initial.rule_id,
        initial.reason as routing_reason,
        any_value(initial.method) as method,
        initial.owner_id,
        any_value(initial.owner_team) as owner_team,
        count(*) as assigned_leads,
        median(initial.minutes_after_creation) as median_minutes_to_assignment,
        count(*) filter (
            where initial.minutes_after_creation > {{ var('routing_unowned_escalation_hours') }} * 60
        ) as unowned_escalations,
        count(*) filter (where initial.crm_owner_id is not null) as crm_owner_given_leads,
        count(*) filter (where initial.crm_owner_id is not null and initial.crm_owner_id != initial.owner_id)
            as crm_owner_disagreements,
        count(*) filter (
            where initial.crm_owner_id is not null and initial.crm_owner_team is distinct from initial.owner_team
        ) as crm_team_disagreements
    from initial
    group by initial.rule_id, initial.reason, initial.owner_id
),

final as (
    select
        grouped.rule_id,
        grouped.routing_reason,
        grouped.method,
        grouped.rule_id = 'fallback' as is_fallback,
        grouped.owner_id,
        grouped.owner_team,
        grouped.assigned_leads,
        100.0 * grouped.assigned_leads / routable.routable_leads as share_of_routable_pct,
        100.0 * sum(grouped.assigned_leads) over (partition by grouped.rule_id) / routable.routable_leads
            as rule_share_of_routable_pct,
        100.0 * coalesce(rule_matches.matched_leads, 0) / routable.routable_leads as rule_match_rate_pct,
        100.0 * grouped.assigned_leads / sum(grouped.assigned_leads) over (partition by grouped.rule_id)
            as owner_share_of_rule_pct,
        fair_shares.picked_leads as rotation_picks,
        fair_shares.fair_share_leads,
        fair_shares.picked_leads / nullif(fair_shares.fair_share_leads, 0) as fairness_ratio,
        team_spread.max_rotation_spread as team_max_rotation_spread,
        grouped.median_minutes_to_assignment,
        grouped.unowned_escalations,
        coalesce(requeued.requeued_away_leads, 0) as requeued_away_leads,
        grouped.crm_owner_given_leads,
        100.0 * grouped.crm_owner_disagreements / nullif(grouped.crm_owner_given_leads, 0)
            as crm_owner_disagreement_pct,
        100.0 * grouped.crm_team_disagreements / nullif(grouped.crm_owner_given_leads, 0)
            as crm_team_disagreement_pct
    from grouped
    cross join routable
    left join rule_matches on grouped.rule_id = rule_matches.rule_id
    left join fair_shares
        on grouped.rule_id = fair_shares.rule_id and grouped.owner_id = fair_shares.owner_id
    left join team_spread on grouped.owner_team = team_spread.target_team and grouped.method = 'round_robin'
    left join requeued on grouped.rule_id = requeued.rule_id and grouped.owner_id = requeued.owner_id
)

select * from final
