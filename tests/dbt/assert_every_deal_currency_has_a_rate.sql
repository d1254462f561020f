{{ config(meta={'dagster': {'ref': {'name': 'stg_deals'}}}) }}
-- Every deal in a currency other than the reporting currency has a rate in seeds/fx_rates.csv valid on
-- its close (or creation) date; otherwise its amount could not be converted. Fix: add the rates.
select
    deals.deal_key,
    deals.currency,
    cast(coalesce(deals.closed_at, deals.created_at) as date) as rate_date,
    deals.source_file,
    deals.source_row_number
from {{ ref('stg_deals') }} as deals
where
    deals.currency != '{{ var("reporting_currency") }}'
    and not exists (
        select 1 from {{ ref('fx_rates') }} as fx_rates
        where
            fx_rates.currency = deals.currency
            and fx_rates.valid_from <= cast(coalesce(deals.closed_at, deals.created_at) as date)
    )
