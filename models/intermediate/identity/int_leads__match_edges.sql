-- Evidence that two lead records are the same person, one row per edge, each with the rule that fired.
-- Blocking keeps this linear: records sharing an exact key (external id, email, phone + last name) link
-- to the first record of their block (a star, not all pairs); only rule 3 compares pairs, and only
-- distinct names within one corporate domain. Spam records never match: each stays its own person.
with

records as (
    select * from {{ ref('int_leads__validated') }}
    where not is_spam
),

-- Exact-key rules: link every record of a block to the block's first record by anchor order.
external_id_blocks as (
    select
        lead_key,
        external_id as block_value,
        first_value(lead_key) over (partition by external_id order by anchor_rank) as block_anchor
    from records
    where external_id is not null
),

email_blocks as (
    select
        lead_key,
        email_key as block_value,
        first_value(lead_key) over (partition by email_key order by anchor_rank) as block_anchor
    from records
    where email_key is not null
),

phone_blocks as (
    select
        lead_key,
        phone_key || ' / ' || last_name_key as block_value,
        first_value(lead_key) over (partition by phone_key, last_name_key order by anchor_rank) as block_anchor
    from records
    where phone_key is not null and last_name_key is not null
),

-- Rule 3: one row per distinct name within a corporate domain; its records link to the name's first
-- record, and similar names link their first records.
domain_names as (
    select
        corporate_domain,
        first_name_key,
        last_name_key,
        arg_min(lead_key, anchor_rank) as name_anchor
    from records
    where corporate_domain is not null and first_name_key is not null and last_name_key is not null
    group by corporate_domain, first_name_key, last_name_key
),

same_name_edges as (
    select
        records.lead_key,
        domain_names.name_anchor as matched_lead_key,
        records.corporate_domain,
        records.first_name_key,
        records.last_name_key
    from records
    inner join domain_names
        on
            records.corporate_domain = domain_names.corporate_domain
            and records.first_name_key = domain_names.first_name_key
            and records.last_name_key = domain_names.last_name_key
    where records.lead_key != domain_names.name_anchor
),

similar_name_pairs as (
    select
        left_names.name_anchor as lead_key,
        right_names.name_anchor as matched_lead_key,
        left_names.corporate_domain,
        jaro_winkler_similarity(left_names.first_name_key, right_names.first_name_key) as first_name_similarity,
        jaro_winkler_similarity(left_names.last_name_key, right_names.last_name_key) as last_name_similarity
    from domain_names as left_names
    inner join domain_names as right_names
        on
            left_names.corporate_domain = right_names.corporate_domain
            and left_names.name_anchor < right_names.name_anchor
),

edges as (
    select
        lead_key,
        block_anchor as matched_lead_key,
        'external_id' as match_rule,
        1 as rule_priority,
        'external_id=' || block_value as match_evidence,
        1.0 as match_score
    from external_id_blocks
    where lead_key != block_anchor

    union all

    select
        lead_key,
        block_anchor as matched_lead_key,
        'email' as match_rule,
        2 as rule_priority,
        'email=' || block_value as match_evidence,
        1.0 as match_score
    from email_blocks
    where lead_key != block_anchor

    union all

    select
        lead_key,
        matched_lead_key,
        'domain_name' as match_rule,
        3 as rule_priority,
        'domain=' || corporate_domain || '; name=' || first_name_key || ' ' || last_name_key as match_evidence,
        1.0 as match_score
    from same_name_edges

    union all

    select
        lead_key,
        matched_lead_key,
        'domain_name' as match_rule,
        3 as rule_priority,
        'domain=' || corporate_domain
        || '; first_name_similarity=' || round(first_name_similarity, 3)
        || '; last_name_similarity=' || round(last_name_similarity, 3) as match_evidence,
        round(least(first_name_similarity, last_name_similarity), 4) as match_score
    from similar_name_pairs
    where
        first_name_similarity >= {{ var("identity_first_name_min_similarity") }}
        and last_name_similarity >= {{ var("identity_last_name_min_similarity") }}

    union all

    select
        lead_key,
        block_anchor as matched_lead_key,
        'phone_last_name' as match_rule,
        4 as rule_priority,
        'phone=' || block_value as match_evidence,
        1.0 as match_score
    from phone_blocks
    where lead_key != block_anchor
),

final as (
    select
        lead_key,
        matched_lead_key,
        match_rule,
        rule_priority,
        match_evidence,
        cast(match_score as double) as match_score
    from edges
)

select * from final
