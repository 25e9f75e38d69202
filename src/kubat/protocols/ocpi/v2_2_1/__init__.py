"""OCPI 2.2.1 objects: enums whose values are the wire strings, basic types, modules' objects.

`types` (chapter 16: CiString, string(n), DateTime, URL, DisplayText), `enums` (the
vocabularies of the Locations module), `locations` (chapter 8), `credentials` (chapters 6-7).
"""
