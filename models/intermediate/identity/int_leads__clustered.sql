-- Each lead record's person: the connected component of the match graph (transitive closure), named
-- after its anchor, the first record in anchor order (first load, then created_at, then key). New
-- records load later than existing ones, so they never become an existing person's anchor: person_id
-- is stable, and when two existing persons merge, the older one's id survives.
with recursive

records as (
    select * from {{ ref('int_leads__validated') }}
),

edges as (
    select * from {{ ref('int_leads__match_edges') }}
),

ranked_edges as (
    select
        left_records.anchor_rank as left_rank,
        right_records.anchor_rank as right_rank
    from edges
    inner join records as left_records on edges.lead_key = left_records.lead_key
    inner join records as right_records on edges.matched_lead_key = right_records.lead_key
),

neighbours as (
    select left_rank as node, right_rank as neighbour from ranked_edges
    union
    select right_rank as node, left_rank as neighbour from ranked_edges
),

-- Label propagation: every node starts with its own rank and takes the smallest label of its
-- neighbours until nothing changes. USING KEY keeps one row per node and revisits only the nodes whose
-- label just changed, so a chain of n links takes n cheap iterations and always terminates (labels only
-- decrease).
components (node, component) using key (node) as (
    select distinct
        node,
        node as component
    from neighbours

    union

    select
        neighbours.neighbour as node,
        min(components.component) as component
    from components
    inner join neighbours on components.node = neighbours.node
    inner join recurring.components as current_labels on neighbours.neighbour = current_labels.node
    where components.component < current_labels.component
    group by neighbours.neighbour
),

assigned as (
    select
        records.lead_key,
        records.anchor_rank,
        coalesce(components.component, records.anchor_rank) as component
    from records
    left join components on records.anchor_rank = components.node
),

anchors as (
    select
        assigned.component,
        assigned.lead_key as anchor_lead_key
    from assigned
    where assigned.anchor_rank = assigned.component
),

-- The edge that explains each record: its highest-priority rule, towards the earliest record it
-- matched (edges are read both ways: a block's first record is explained by the edge that reached it).
both_ways as (
    select lead_key, matched_lead_key, match_rule, rule_priority, match_evidence, match_score
    from edges
    union all
    select matched_lead_key, lead_key, match_rule, rule_priority, match_evidence, match_score
    from edges
),

explained as (
    select both_ways.*
    from both_ways
    inner join records as matched on both_ways.matched_lead_key = matched.lead_key
    qualify row_number() over (
        partition by both_ways.lead_key order by both_ways.rule_priority, matched.anchor_rank
    ) = 1
),

final as (
    select
        assigned.lead_key,
        'per_' || substr(md5(anchors.anchor_lead_key), 1, 16) as person_id,
        anchors.anchor_lead_key,
        assigned.lead_key = anchors.anchor_lead_key as is_person_anchor,
        component_sizes.record_count as person_record_count,
        case when assigned.lead_key = anchors.anchor_lead_key then 'first_record' else explained.match_rule end
            as match_rule,
        case when assigned.lead_key = anchors.anchor_lead_key then 0 else explained.rule_priority end
            as rule_priority,
        case when assigned.lead_key != anchors.anchor_lead_key then explained.matched_lead_key end
            as matched_lead_key,
        case when assigned.lead_key != anchors.anchor_lead_key then explained.match_evidence end
            as match_evidence,
        case when assigned.lead_key != anchors.anchor_lead_key then explained.match_score end as match_score
    from assigned
    inner join anchors on assigned.component = anchors.component
    inner join (
        select component, count(*) as record_count from assigned group by component
    ) as component_sizes on assigned.component = component_sizes.component
    left join explained on assigned.lead_key = explained.lead_key
)

select * from final
