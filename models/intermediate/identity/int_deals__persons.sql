-- Each deal (current version) with the person it belongs to, by the strongest evidence it carries:
-- 1. lead_key: its lead record in the same source system;
-- 2. contact_email: the contact address's email key;
-- 3. lead_id_other_system: its lead_id names a lead of exactly one other source system (a deal synced
--    from one CRM while the lead lives in the other); an id found in several systems is ambiguous, not used;
-- 4. account_domain: the real (non-spam) person at the account's corporate domain who arrived last
--    before the deal was created (ties broken by person_id), the usual owner of a new deal.
-- Deals no method links keep a null person (counted in docs/funnel.md, never dropped).
with

deals as (
    select * from {{ ref('stg_deals') }}
),

leads as (
    select * from {{ ref('stg_leads') }}
),

clustered as (
    select * from {{ ref('int_leads__clustered') }}
),

email_owners as (
    select * from {{ ref('int_leads__email_owners') }}
),

persons as (
    select * from {{ ref('int_persons__survived') }}
    where not is_spam
),

unique_lead_ids as (
    select
        leads.lead_id,
        min(clustered.person_id) as person_id
    from leads
    inner join clustered on leads.lead_key = clustered.lead_key
    group by leads.lead_id
    having count(distinct leads.source_system) = 1
),

person_domains as (
    select
        person_id,
        created_at,
        unnest(corporate_domains) as corporate_domain
    from persons
),

linked as (
    select
        deals.*,
        clustered.person_id as lead_key_person_id,
        email_owners.person_id as contact_email_person_id,
        unique_lead_ids.person_id as lead_id_person_id
    from deals
    left join clustered on deals.lead_key = clustered.lead_key
    left join email_owners on {{ email_match_key('deals.contact_email') }} = email_owners.email_key
    left join unique_lead_ids on deals.lead_id = unique_lead_ids.lead_id
),

domain_owners as (
    select
        deals.deal_key,
        arg_max(
            person_domains.person_id, (person_domains.created_at, person_domains.person_id)
        ) as person_id
    from linked as deals
    inner join person_domains
        on
            deals.account_domain = person_domains.corporate_domain
            and person_domains.created_at <= deals.created_at
    where
        deals.lead_key_person_id is null
        and deals.contact_email_person_id is null
        and deals.lead_id_person_id is null
    group by deals.deal_key
),

final as (
    select
        linked.deal_key,
        coalesce(
            linked.lead_key_person_id,
            linked.contact_email_person_id,
            linked.lead_id_person_id,
            domain_owners.person_id
        ) as person_id,
        case
            when linked.lead_key_person_id is not null then 'lead_key'
            when linked.contact_email_person_id is not null then 'contact_email'
            when linked.lead_id_person_id is not null then 'lead_id_other_system'
            when domain_owners.person_id is not null then 'account_domain'
        end as person_link_method,
        linked.created_at,
        linked.updated_at,
        linked.deal_stage,
        linked.is_closed,
        linked.is_won,
        linked.closed_at,
        linked.amount,
        linked.currency,
        linked.owner_id,
        linked.lost_reason,
        linked.deal_type
    from linked
    left join domain_owners on linked.deal_key = domain_owners.deal_key
)

select * from final
