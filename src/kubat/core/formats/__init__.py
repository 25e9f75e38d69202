"""Locale formats Django does not ship (FORMAT_MODULE_PATH): Kazakh dates and numbers.

Django has formats for English, Russian and Kyrgyz but none for Kazakh, which would then be
written the English way ("Dec. 1, 2026", "1,500.5"). Only the languages listed here are
overridden; the rest keep Django's own.
"""
