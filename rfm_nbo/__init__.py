"""RFM segments, K-Means clusters and Next Best Offers: the Python helpers of the dbt project."""
