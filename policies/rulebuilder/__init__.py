"""The rule builder: officials edit eligibility rules as rows of words instead of JSON.

``tree`` and ``estimate`` are pure (no Django): they turn the engine's JSON into rows and
shapes and back, so the builder and the advanced JSON view always show the same rule.
``views`` is the admin page, one of MeasureAdmin's URLs (policies/admin.py).
"""
