"""Drivers' reports: anyone tells Kubat that a charging point does not work or a detail is wrong.

No account is needed; submissions are rate-limited per address (accounts.ratelimit, scope
"reports", KUBAT_REPORT_RATE_LIMIT a minute) and a photo, optional, must decode as a JPEG, PNG
or WebP image (Pillow) of bounded size. The operator of the location sees its reports in a
queue (/reports/queue/) and answers them, marks them fixed or dismisses them; open ones (new or
answered) show on the location's page. insights puts the counts beside each operator's
reliability, so a network that reports AVAILABLE while drivers report faults stands out.

Layer: beside fleet, above the registry (it reads locations through registry.selectors and
checks write rights with registry.services.assert_can_write); the portal and insights read it
through reports.selectors.
"""
