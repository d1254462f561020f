{{ config(meta={'dagster': {'ref': {'name': 'lead_crosswalk'}}}) }}
-- Every loaded lead row appears in lead_crosswalk exactly once (and nothing else does).
with

raw_rows as (
    select
        _source_file as source_file,
        _row_number as source_row_number
    from {{ source('raw', 'leads') }}
),

crosswalk_rows as (
    select
        source_file,
        source_row_number,
        count(*) as occurrences
    from {{ ref('lead_crosswalk') }}
    group by source_file, source_row_number
)

select
    coalesce(raw_rows.source_file, crosswalk_rows.source_file) as source_file,
    coalesce(raw_rows.source_row_number, crosswalk_rows.source_row_number) as source_row_number,
    coalesce(crosswalk_rows.occurrences, 0) as occurrences
from raw_rows
full outer join crosswalk_rows
    on
        raw_rows.source_file = crosswalk_rows.source_file
        and raw_rows.source_row_number = crosswalk_rows.source_row_number
where raw_rows.source_file is null or crosswalk_rows.occurrences is distinct from 1
