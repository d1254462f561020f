-- Per deal and attribution model, the credits sum to 1 (within 1e-9) and the attributed amounts to the
-- deal's amount exactly.
select
    deal_key,
    attribution_model,
    sum(credit) as credit_total
from {{ ref('fct_attribution_credit') }}
group by deal_key, attribution_model
having abs(sum(credit) - 1) > 1e-9
