-- Every reminder and escalation that fell due, one row each: a lead unowned beyond
-- var routing_unowned_escalation_hours (to the CRM admin, var routing_crm_admin_rep_id), and each SLA's
-- reminder (to the owner), escalation (to the owner's manager) and second escalation (to the manager's
-- manager) that came before any response and by the as-of time.
with

assignments as (
    select * from {{ ref('fct_lead_assignments') }}
),

slas as (
    select * from {{ ref('fct_lead_sla') }}
),

reps as (
    select * from {{ ref('reps') }}
),

horizon as (
    select {{ operations_horizon() }} as as_of
),

unowned as (
    select
        assignments.person_id,
        'unowned' as escalation_type,
        0 as escalation_level,
        cast(null as varchar) as sla_type,
        cast(null as varchar) as tier,
        {{ dbt.dateadd('hour', var('routing_unowned_escalation_hours'), 'assignments.lead_created_at') }}
            as escalated_at,
        '{{ var("routing_crm_admin_rep_id") }}' as escalated_to_id,
        assignments.owner_id
    from assignments
    cross join horizon
    where
        assignments.event_type = 'initial'
        and assignments.minutes_after_creation > {{ var('routing_unowned_escalation_hours') }} * 60
        and {{ dbt.dateadd('hour', var('routing_unowned_escalation_hours'), 'assignments.lead_created_at') }}
        <= horizon.as_of
),

sla_points as (
    select
        person_id,
        'sla_reminder' as escalation_type,
        0 as escalation_level,
        sla_type,
        tier,
        reminder_at as escalated_at,
        owner_id as escalated_to_id,
        owner_id
    from slas
    where is_reminder_triggered
    union all
    select
        person_id,
        'sla_escalation' as escalation_type,
        1 as escalation_level,
        sla_type,
        tier,
        escalation_at as escalated_at,
        escalation_to_id as escalated_to_id,
        owner_id
    from slas
    where is_escalation_triggered
    union all
    select
        person_id,
        'sla_second_escalation' as escalation_type,
        2 as escalation_level,
        sla_type,
        tier,
        second_escalation_at as escalated_at,
        second_escalation_to_id as escalated_to_id,
        owner_id
    from slas
    where is_second_escalation_triggered
),

final as (
    select * from unowned
    union all
    select * from sla_points
)

select
    final.person_id || ':' || final.escalation_type || coalesce(':' || final.sla_type, '') as escalation_id,
    final.person_id,
    final.escalation_type,
    final.escalation_level,
    final.sla_type,
    final.tier,
    final.escalated_at,
    final.escalated_to_id,
    targets.role as escalated_to_role,
    final.owner_id
from final
left join reps as targets on final.escalated_to_id = targets.rep_id
