"""The public portal: the pages people read (home, map, location pages, open data)."""
