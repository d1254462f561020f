-- Which person an email key belongs to, for rows that carry only an address (activities, deals). An
-- address can appear on several records (spam is never merged): prefer a real person, then the earliest
-- record.
with

validated as (
    select * from {{ ref('int_leads__validated') }}
),

clustered as (
    select * from {{ ref('int_leads__clustered') }}
),

final as (
    select
        validated.email_key,
        arg_min(clustered.person_id, (validated.is_spam, validated.anchor_rank)) as person_id
    from validated
    inner join clustered on validated.lead_key = clustered.lead_key
    where validated.email_key is not null
    group by validated.email_key
)

select * from final
