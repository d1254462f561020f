-- Every SLA clock a routable lead starts (seeds/sla_policies.csv), before any business-time arithmetic:
-- - first_response: starts at the initial assignment, owned by the initial owner, answered by the first
--   rep touch after creation (an outbound touch, a call, a meeting, sales accept or reject); the tier is
--   the first policy by priority whose score band (at creation) and arrival touch conditions hold;
-- - mql_accept: starts at the first hand-off to sales (status change to MQL), answered by the first
--   sales accept or reject after it, owned by whoever answered (else the lead's initial owner).
with

leads as (
    select * from {{ ref('int_routing__leads') }}
),

routed as (
    select * from {{ ref('int_leads__routed') }}
),

policies as (
    select * from {{ ref('sla_policies') }}
),

activities as (
    select * from {{ ref('int_activities__resolved') }}
),

first_response as (
    select
        routed.person_id,
        'first_response' as sla_type,
        routed.assigned_at as started_at,
        routed.owner_id,
        leads.first_rep_touch_at as responded_at,
        leads.first_rep_touch_rep_id as responder_id,
        leads.score_band_at_creation,
        leads.arrival_types
    from routed
    inner join leads on routed.person_id = leads.person_id
),

handoffs as (
    select
        leads.person_id,
        min(activities.occurred_at) as started_at
    from leads
    inner join activities on leads.person_id = activities.person_id
    where activities.activity_type = 'status_change' and activities.new_status = 'MQL'
    group by leads.person_id
),

handoff_answers as (
    select
        handoffs.person_id,
        min(activities.occurred_at) as responded_at,
        arg_min(activities.rep_id, activities.occurred_at) as responder_id
    from handoffs
    inner join activities
        on
            handoffs.person_id = activities.person_id
            and activities.activity_type in ('sales_accepted', 'sales_rejected')
            and activities.occurred_at >= handoffs.started_at
    group by handoffs.person_id
),

mql_accept as (
    select
        handoffs.person_id,
        'mql_accept' as sla_type,
        handoffs.started_at,
        coalesce(handoff_answers.responder_id, routed.owner_id) as owner_id,
        handoff_answers.responded_at,
        handoff_answers.responder_id,
        leads.score_band_at_creation,
        leads.arrival_types
    from handoffs
    inner join leads on handoffs.person_id = leads.person_id
    inner join routed on handoffs.person_id = routed.person_id
    left join handoff_answers on handoffs.person_id = handoff_answers.person_id
),

clocks as (
    select * from first_response
    union all
    select * from mql_accept
),

tiered as (
    select
        clocks.*,
        policies.tier,
        policies.response_minutes,
        policies.clock,
        policies.reminder_pct,
        policies.escalation_pct,
        policies.second_escalation_pct
    from clocks
    inner join policies
        on
            clocks.sla_type = policies.sla_type
            and {{ pipe_list_allows('policies.score_bands', 'clocks.score_band_at_creation') }}
            and (
                policies.arrival_types is null
                or coalesce(list_has_any(
                    string_split(policies.arrival_types, '|'), string_split(clocks.arrival_types, '|')
                ), false)
            )
    qualify row_number() over (
        partition by clocks.person_id, clocks.sla_type order by policies.priority, policies.tier
    ) = 1
)

select * from tiered
