-- Who may be contacted, as of the latest data: the sales outreach list (leads in an active sales status,
-- with their owner, next step and staleness) and the marketing nurture list (leads marketing owns, In
-- Nurture). Consent is enforced here, before any outreach: a person who opted out of email in any of
-- their records or unsubscribed is on neither list, and the nurture list (email) also leaves out invalid
-- addresses. Spam and existing customers never reach fct_lead_aging's active or nurture statuses.
-- Nurture's stop conditions beyond status (SQL, Disqualified and Converted are not In Nurture): a demo
-- requested since the lead entered nurture (a hand-raiser is sales' to follow up), an open or won deal (the
-- opportunity or the customer relationship tracks the person; a person whose deals were all lost may be
-- nurtured again), and the recent-contact rule: nobody emailed within the day before the as-of time.
with

aging as (
    select * from {{ ref('fct_lead_aging') }}
),

persons as (
    select * from {{ ref('dim_leads') }}
),

deals as (
    select
        person_id,
        bool_or(coalesce(not is_closed or is_won, true)) as has_open_or_won_deal
    from {{ ref('int_deals__persons') }}
    where person_id is not null
    group by person_id
),

listed as (
    select
        aging.person_id,
        case
            when aging.is_active_status then 'sales_outreach'
            when aging.lead_status = 'In Nurture' then 'marketing_nurture'
        end as list_name,
        aging.lead_status,
        aging.owner_id,
        aging.owner_team,
        aging.status_entered_at,
        aging.last_activity_at,
        aging.days_since_last_activity,
        aging.is_stale,
        aging.next_step_due_at,
        aging.as_of,
        persons.email,
        persons.first_name,
        persons.last_name,
        persons.company_name,
        persons.lead_score,
        persons.score_band,
        persons.original_channel,
        persons.has_invalid_email,
        coalesce(aging.last_demo_request_at >= aging.status_entered_at, false) as requested_demo_in_nurture,
        coalesce(deals.has_open_or_won_deal, false) as has_open_or_won_deal,
        aging.last_email_sent_at,
        coalesce(aging.last_email_sent_at > {{ dbt.dateadd('day', -1, 'aging.as_of') }}, false) as emailed_within_a_day
    from aging
    inner join persons on aging.person_id = persons.person_id
    left join deals on aging.person_id = deals.person_id
    where
        not persons.is_email_opted_out
        and persons.unsubscribed_at is null
        and not persons.is_spam
),

final as (
    select
        person_id,
        list_name,
        lead_status,
        owner_id,
        owner_team,
        email,
        first_name,
        last_name,
        company_name,
        lead_score,
        score_band,
        coalesce(original_channel, 'Unknown') as channel,
        status_entered_at,
        last_activity_at,
        days_since_last_activity,
        is_stale,
        next_step_due_at,
        last_email_sent_at,
        as_of
    from listed
    where
        list_name = 'sales_outreach'
        or (
            list_name = 'marketing_nurture'
            and not has_invalid_email
            and not requested_demo_in_nurture
            and not has_open_or_won_deal
            and not emailed_within_a_day
        )
)

select * from final
