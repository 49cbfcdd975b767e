"""AccountService: users, per-site roles, web sessions, CSRF, login limits, invitations, shares.

See docs/accounts.md for the decisions (role model, lifetimes, limits, cookie flags).
"""
