"""Kit shared by two or more apps: the error tree, geodesy helpers, command plumbing.

Nothing here is a domain rule; domain rules live in each app's services.
"""
