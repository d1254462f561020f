-- First owner of every routable lead (docs/routing-sla-aging.md):
-- 1. rule: the first of seeds/routing_rules.csv by priority whose conditions all hold; none: fallback.
-- 2. roster of a pooled rule (round_robin, load_balanced): the team's routable members active that day
--    and at work when the lead arrives. A lead arriving while nobody of the team works waits for the
--    team's next covered interval (int_routing__team_coverage); its roster is every member working in
--    that interval, and it is assigned when the chosen member's day starts (a high-score lead at once).
-- 3. pick: round_robin takes member (n mod roster size) in rep_id order, n counting the team's pooled
--    leads in queue order, so over any run of leads with the same roster each member's count is within
--    1 of the others'. load_balanced walks a cycle of slots proportional to daily capacity (a stride
--    coprime with the cycle spreads them), so each member gets exactly its capacity share of every full
--    cycle. direct rules name the rep, assigned at creation.
-- 4. capacity: a rep's assignments beyond daily_capacity on their local day go to the fallback queue,
--    as do leads of a rule whose rep or team has nobody active.
with

leads as (
    select * from {{ ref('int_routing__leads') }}
),

rules as (
    select * from {{ ref('routing_rules') }}
),

reps as (
    select * from {{ ref('reps') }}
),

coverage as (
    select * from {{ ref('int_routing__team_coverage') }}
),

matches as (
    select
        leads.person_id,
        rules.rule_id,
        rules.method,
        rules.target_team,
        rules.target_rep_id,
        row_number() over (partition by leads.person_id order by rules.priority, rules.rule_id) as match_rank
    from leads
    inner join rules
        on
            {{ pipe_list_allows('rules.sales_regions', 'leads.sales_region') }}
            and {{ pipe_list_allows('rules.country_codes', 'leads.country_code') }}
            and {{ pipe_list_allows('rules.industries', 'leads.industry') }}
            and {{ pipe_list_allows('rules.product_interests', 'leads.product_interest') }}
            and {{ pipe_list_allows('rules.score_bands', 'leads.score_band_at_creation') }}
            and {{ pipe_list_allows('rules.channels', 'leads.channel') }}
            and (rules.min_employees is null or leads.employee_count >= rules.min_employees)
            and (rules.max_employees is null or leads.employee_count < rules.max_employees)
),

matched as (
    select
        leads.*,
        matches.rule_id as matched_rule_id,
        coalesce(matches.method, 'direct') as method,
        matches.target_team,
        coalesce(matches.target_rep_id, case when matches.rule_id is null then '{{ var("routing_fallback_rep_id") }}' end)
            as target_rep_id,
        coalesce(leads.score_band_at_creation = '{{ var("routing_immediate_score_band") }}', false) as is_immediate
    from leads
    left join matches on leads.person_id = matches.person_id and matches.match_rank = 1
),

intervals as (
    select distinct
        team,
        coverage_number,
        coverage_start_at,
        coverage_end_at
    from coverage
),

-- A pooled lead finds the team's covered interval it arrives in, or the next one (ASOF: the first
-- interval ending after creation).
pooled as (
    select
        matched.person_id,
        matched.target_team,
        matched.created_at,
        matched.is_immediate,
        intervals.coverage_number,
        greatest(matched.created_at, intervals.coverage_start_at) as queued_until,
        matched.created_at >= intervals.coverage_start_at as arrived_in_hours
    from matched
    asof inner join intervals
        on
            matched.target_team = intervals.team
            and matched.created_at < intervals.coverage_end_at
    where matched.method in ('round_robin', 'load_balanced')
),

-- The roster: the members at work when the lead arrives; for a lead arriving out of hours, every member
-- working in the next interval, each taking it when their own day starts (a high-score lead at once).
rosters as (
    select
        pooled.person_id,
        pooled.target_team,
        pooled.queued_until,
        pooled.created_at,
        coverage.rep_id,
        coalesce(reps.daily_capacity, 1) as capacity_weight,
        case
            when pooled.arrived_in_hours or pooled.is_immediate then pooled.created_at
            else min(coverage.window_start_at)
        end as assigned_at
    from pooled
    inner join coverage
        on
            pooled.target_team = coverage.team
            and pooled.coverage_number = coverage.coverage_number
    inner join reps on coverage.rep_id = reps.rep_id
    where
        not pooled.arrived_in_hours
        or (pooled.created_at >= coverage.window_start_at and pooled.created_at < coverage.window_end_at)
    group by
        pooled.person_id,
        pooled.target_team,
        pooled.queued_until,
        pooled.arrived_in_hours,
        pooled.is_immediate,
        pooled.created_at,
        coverage.rep_id,
        reps.daily_capacity
),

roster_members as (
    select
        *,
        row_number() over (partition by person_id order by rep_id) as member_number,
        count(*) over (partition by person_id) as roster_size,
        sum(capacity_weight) over (partition by person_id) as roster_capacity,
        coalesce(sum(capacity_weight) over (
            partition by person_id order by rep_id rows between unbounded preceding and 1 preceding
        ), 0) as capacity_before,
        string_agg(rep_id, '|') over (
            partition by person_id order by rep_id rows between unbounded preceding and unbounded following
        ) as roster
    from rosters
),

rotation as (
    select
        person_id,
        any_value(roster_size) as roster_size,
        any_value(roster_capacity) as roster_capacity,
        any_value(roster) as roster,
        row_number() over (
            partition by any_value(target_team) order by any_value(queued_until), any_value(created_at), person_id
        ) - 1 as rotation_number
    from roster_members
    group by person_id
),

pooled_picks as (
    select
        roster_members.person_id,
        roster_members.rep_id,
        roster_members.assigned_at,
        rotation.roster,
        rotation.roster_size,
        rotation.rotation_number
    from roster_members
    inner join rotation on roster_members.person_id = rotation.person_id
    inner join matched on roster_members.person_id = matched.person_id
    where
        (
            matched.method = 'round_robin'
            and roster_members.member_number = rotation.rotation_number % rotation.roster_size + 1
        )
        or (
            matched.method = 'load_balanced'
            and (rotation.rotation_number * 1000003) % rotation.roster_capacity >= roster_members.capacity_before
            and (rotation.rotation_number * 1000003) % rotation.roster_capacity
            < roster_members.capacity_before + roster_members.capacity_weight
        )
),

-- The rule's choice, before capacity: a direct target must be active on the day.
chosen as (
    select
        matched.person_id,
        matched.created_at,
        coalesce(pooled_picks.assigned_at, matched.created_at) as assigned_at,
        matched.matched_rule_id,
        matched.method,
        matched.target_team,
        matched.is_immediate,
        pooled_picks.roster,
        pooled_picks.roster_size,
        pooled_picks.rotation_number,
        case
            when matched.method in ('round_robin', 'load_balanced') then pooled_picks.rep_id
            when {{ rep_is_active('direct_reps', 'cast(' ~ utc_to_local('matched.created_at', 'direct_reps.timezone') ~ ' as date)') }}
                then direct_reps.rep_id
        end as chosen_rep_id
    from matched
    left join pooled_picks on matched.person_id = pooled_picks.person_id
    left join reps as direct_reps on matched.target_rep_id = direct_reps.rep_id
),

loaded as (
    select
        chosen.*,
        row_number() over (
            partition by chosen.chosen_rep_id, cast({{ utc_to_local('chosen.assigned_at', 'reps.timezone') }} as date)
            order by chosen.assigned_at, chosen.person_id
        ) as rep_day_load,
        coalesce(
            row_number() over (
                partition by chosen.chosen_rep_id, cast({{ utc_to_local('chosen.assigned_at', 'reps.timezone') }} as date)
                order by chosen.assigned_at, chosen.person_id
            ) > reps.daily_capacity,
            false
        ) as is_over_capacity
    from chosen
    left join reps on chosen.chosen_rep_id = reps.rep_id
),

final as (
    select
        person_id,
        created_at,
        assigned_at,
        case
            when chosen_rep_id is null or is_over_capacity then '{{ var("routing_fallback_rep_id") }}'
            else chosen_rep_id
        end as owner_id,
        case
            when matched_rule_id is null or chosen_rep_id is null or is_over_capacity then 'fallback'
            else matched_rule_id
        end as rule_id,
        matched_rule_id,
        method,
        target_team,
        chosen_rep_id as rule_rep_id,
        case
            when matched_rule_id is null then 'no rule matched'
            when chosen_rep_id is null then 'no active rep'
            when is_over_capacity then 'rep at daily capacity'
            else 'rule matched'
        end as routing_reason,
        is_immediate,
        roster,
        roster_size,
        rotation_number,
        case when chosen_rep_id is not null and not is_over_capacity then rep_day_load end as owner_day_load
    from loaded
)

select * from final
