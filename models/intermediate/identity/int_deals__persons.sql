-- Each deal (current version) with the person it belongs to: through its lead record, else through the
-- contact address's email key. Deals neither method links keep a null person (counted, not dropped).
with

deals as (
    select * from {{ ref('stg_deals') }}
),

clustered as (
    select * from {{ ref('int_leads__clustered') }}
),

email_owners as (
    select * from {{ ref('int_leads__email_owners') }}
),

final as (
    select
        deals.deal_key,
        coalesce(clustered.person_id, email_owners.person_id) as person_id,
        case
            when clustered.person_id is not null then 'lead_key'
            when email_owners.person_id is not null then 'contact_email'
        end as person_link_method,
        deals.created_at,
        deals.updated_at,
        deals.deal_stage,
        deals.is_closed,
        deals.is_won,
        deals.closed_at,
        deals.amount,
        deals.currency,
        deals.owner_id,
        deals.lost_reason,
        deals.deal_type
    from deals
    left join clustered on deals.lead_key = clustered.lead_key
    left join email_owners on {{ email_match_key('deals.contact_email') }} = email_owners.email_key
)

select * from final
