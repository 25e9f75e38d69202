"""PPP sites in the open: the secretariat's calls for public-private partnership.

The secretariat publishes a site (place, land owner, grid capacity available in kW, terms,
deadline, documents); organisations holding the investor role submit one expression of
interest each before the deadline; the public sees every call, how many expressions arrived
once the deadline has passed, and the award, never the contents of an expression. An award
opens a permit case for the winner pre-filled with the site (`permits.services`), and when that
permit is issued the site enters the registry as pipeline (`permits.delivery.enter_pipeline`
through the `permits.signals.permit_issued` signal, received in `receivers`).

Who calls it: its views and the demo; `kubat.strategy` reads the open calls for the
investor's view. It sits above permits and below strategy in the layers.
"""
