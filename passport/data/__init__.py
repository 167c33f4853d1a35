"""Data files shipped with carbontrail: the illustrative background database (docs/background-data.md).

``cn-background.json`` holds the emission-factor dataset (factors with their sources) and
``benchmarks.json`` the product-category benchmarks; :mod:`passport.background` loads them.
"""
