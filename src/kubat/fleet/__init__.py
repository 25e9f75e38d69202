"""EV models, registrations and domestic production: the fleet the charging network serves."""
