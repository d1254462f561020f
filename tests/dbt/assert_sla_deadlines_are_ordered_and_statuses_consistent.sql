-- SLA deadlines follow the policy's order (start <= reminder <= due <= second escalation), a met SLA was
-- answered by its deadline, and a breached one was answered late or is unanswered past the deadline.
select
    lead_sla_id,
    started_at,
    reminder_at,
    due_at,
    second_escalation_at,
    responded_at,
    sla_status
from {{ ref('fct_lead_sla') }}
where
    not (started_at <= reminder_at and reminder_at <= due_at and due_at <= second_escalation_at)
    or (sla_status = 'met' and not responded_at <= due_at)
    or (sla_status = 'breached' and not coalesce(responded_at > due_at, as_of > due_at))
    or (sla_status = 'open' and (responded_at is not null or as_of > due_at))
