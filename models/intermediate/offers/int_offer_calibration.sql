-- The purchase probability of a candidate, learnt from history. For each
-- scoring cut (the folds and production), the candidates of every earlier
-- cut whose outcome window had closed by then (window_end_date <= the
-- scoring cut: nothing after the cut is read) are grouped by feature_key
-- (int_offer_candidates); a candidate converted when its customer bought the
-- product in [its cut, its window_end_date).
--
-- A candidate's probability is its expected_share (affinity x popularity)
-- times its cell's conversions per unit of expected share, so candidates of
-- a cell keep their affinity x popularity order and the cell's total is
-- what history saw. That ratio is Beta-smoothed toward the whole history's
-- (prior_conversions_per_share) with var('offer_calibration_prior')
-- pseudo-candidates of the cell's mean expected share:
--
--   conversions_per_share = (conversions + prior x mean_share x prior_ratio)
--                           / (expected_share_sum + prior x mean_share)
--
-- calibrated_rate is that at the cell's mean share, the smoothed share of
-- its candidates that converted. A candidate whose cell has no history uses
-- prior_conversions_per_share. A scoring cut with no closed earlier cut has
-- no row (with at least var('offer_backtest_folds') + 1 monthly snapshots
-- every fold has one).

{%- set prior = var('offer_calibration_prior') %}

with

cuts as (
    select * from {{ ref('int_offer_cuts') }}
),

candidates as (
    select * from {{ ref('int_offer_candidates') }}
),

order_lines as (
    select * from {{ ref('int_order_lines_classified') }}
),

history_candidates as (
    select
        candidates.cut_date,
        cuts.window_end_date,
        candidates.customer_id,
        candidates.product_id,
        candidates.feature_key,
        -- Exact, so the sums below do not depend on the engine's order.
        cast(candidates.expected_share as decimal(18, 12)) as expected_share
    from candidates
    inner join cuts
        on candidates.cut_date = cuts.cut_date
    where cuts.cut_role != 'production'
),

purchases as (
    select distinct
        customer_id,
        product_id,
        ordered_date
    from order_lines
    where line_type = 'sale' and customer_id is not null
),

conversions as (
    select distinct
        history_candidates.cut_date,
        history_candidates.customer_id,
        history_candidates.product_id
    from history_candidates
    inner join purchases
        on
            history_candidates.customer_id = purchases.customer_id
            and history_candidates.product_id = purchases.product_id
            and history_candidates.cut_date <= purchases.ordered_date
            and history_candidates.window_end_date > purchases.ordered_date
),

cut_cells as (
    select
        history_candidates.cut_date,
        history_candidates.window_end_date,
        history_candidates.feature_key,
        count(*) as candidates,
        count(conversions.product_id) as conversions,
        sum(history_candidates.expected_share) as expected_share
    from history_candidates
    left join conversions
        on
            history_candidates.cut_date = conversions.cut_date
            and history_candidates.customer_id = conversions.customer_id
            and history_candidates.product_id = conversions.product_id
    group by
        history_candidates.cut_date,
        history_candidates.window_end_date,
        history_candidates.feature_key
),

scoring_cells as (
    select
        scoring_cuts.cut_date,
        cut_cells.feature_key,
        sum(cut_cells.candidates) as candidates,
        sum(cut_cells.conversions) as conversions,
        sum(cut_cells.expected_share) as expected_share,
        count(*) as history_cuts
    from cuts as scoring_cuts
    inner join cut_cells
        on scoring_cuts.cut_date >= cut_cells.window_end_date
    where scoring_cuts.cut_role in ('fold', 'production')
    group by scoring_cuts.cut_date, cut_cells.feature_key
),

priors as (
    select
        cut_date,
        cast(sum(conversions) as double) / cast(sum(expected_share) as double)
            as prior_conversions_per_share
    from scoring_cells
    group by cut_date
),

smoothed as (
    select
        scoring_cells.cut_date,
        scoring_cells.feature_key,
        scoring_cells.candidates,
        scoring_cells.conversions,
        scoring_cells.history_cuts,
        cast(scoring_cells.expected_share as double) as expected_share_sum,
        cast(scoring_cells.expected_share as double) / scoring_cells.candidates as mean_share,
        priors.prior_conversions_per_share
    from scoring_cells
    inner join priors
        on scoring_cells.cut_date = priors.cut_date
),

final as (
    select
        cut_date,
        feature_key,
        cast(candidates as bigint) as candidates,
        cast(conversions as bigint) as conversions,
        cast(history_cuts as integer) as history_cuts,
        expected_share_sum,
        prior_conversions_per_share,
        case
            when expected_share_sum > 0
                then
                    (conversions + {{ prior }} * mean_share * prior_conversions_per_share)
                    / (expected_share_sum + {{ prior }} * mean_share)
        end as conversions_per_share,
        case
            when expected_share_sum > 0
                then
                    mean_share
                    * (conversions + {{ prior }} * mean_share * prior_conversions_per_share)
                    / (expected_share_sum + {{ prior }} * mean_share)
            else cast(conversions as double) / (candidates + {{ prior }})
        end as calibrated_rate
    from smoothed
)

select * from final
