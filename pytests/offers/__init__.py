"""Tests of rfm_nbo.offers and the int_segment_offer_copy dbt model.

A package, so its module names never clash with other test folders.
"""
