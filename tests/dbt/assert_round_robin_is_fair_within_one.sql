-- Round-robin fairness: over any run of a team's consecutive pooled leads with an unchanged roster, the
-- counts of any two roster members differ by at most 1 (members the run never reached count 0).
with

routed as (
    select * from {{ ref('int_leads__routed') }}
    where method = 'round_robin' and roster is not null
),

runs as (
    select
        target_team,
        roster,
        rule_rep_id,
        rotation_number - row_number() over (partition by target_team, roster order by rotation_number) as run_number
    from routed
),

members as (
    select distinct
        target_team,
        roster,
        run_number,
        unnest(string_split(roster, '|')) as member_id
    from runs
),

counts as (
    select
        members.target_team,
        members.roster,
        members.run_number,
        members.member_id,
        count(runs.rule_rep_id) as picks
    from members
    left join runs
        on
            members.target_team = runs.target_team
            and members.roster = runs.roster
            and members.run_number = runs.run_number
            and members.member_id = runs.rule_rep_id
    group by members.target_team, members.roster, members.run_number, members.member_id
)

select
    target_team,
    roster,
    run_number,
    max(picks) - min(picks) as spread
from counts
group by target_team, roster, run_number
having max(picks) - min(picks) > 1
