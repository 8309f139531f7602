"""A self-contained local HTML dashboard built from the DuckDB marts.

The same story as the QuickSight dashboard (Segments, Next Best Offers,
Campaign performance), plus churn risk and lifetime value, for users without
AWS: one HTML file with inline CSS,
inline SVG charts rendered here in Python, and a few lines of inline
JavaScript for the tabs. It reads only the marts, opens the warehouse
read-only, and makes no network request when opened.

Run it with ``python -m rfm_nbo.dashboard --help``.
"""
