"""Out and back: the audience of the next campaign as files for a sending tool.

``python -m rfm_nbo.audience --out DIR`` reads the mart ``fct_campaign_audience``
from the DuckDB warehouse and writes, per channel campaign, the rows to send
(``send.csv``) and the rows to append to the raw campaign tables
(``campaign_members.csv``, ``campaigns.csv``) so the next ``dbt build`` measures
the campaign against its holdout. README, "Send a campaign and bring the send
log back".
"""
